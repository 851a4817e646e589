"""Django signals of market data.

``candles_updated`` is sent after every fetch that changed candles (after the
transaction commits), with ``symbols`` (exchange symbols whose candles changed, in
display order), ``timeframes`` (those fetched) and ``source``. The TA engine chains
the analysis of a symbol after its candle update by connecting one receiver::

    candles_updated.connect(lambda sender, symbols, **kw: analyse_symbols.delay(symbols))
"""

from django.dispatch import Signal

candles_updated = Signal()
