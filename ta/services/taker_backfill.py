"""Backfill the quote and taker-buy quote volumes of stored candles that lack them (stored before
the klines kept them, or imported from CSV files), from the source that stored the candles."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ta.models import Candle, Symbol
from ta.services.candles import candles_upsert
from ta.services.derivatives_store import cvd_recompute, taker_rows_from_candles
from ta.sources.base import CandleSource, bar_rescaled
from ta.sources.derivatives import PERIODS
from ta.timeframes import timeframe_duration


@dataclass
class TakerBackfillProgress:
    """One page's progress: the series, the page's last open time, candles filled, candles still lacking."""

    symbol: str
    timeframe: str
    page_end: datetime
    filled: int
    left: int


def candles_taker_backfill(
    *,
    source: CandleSource,
    symbols: list[str],
    timeframes: list[str],
    pause_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    on_page: Callable[[TakerBackfillProgress], None] | None = None,
) -> int:
    """Refetch, page by page, the closed candles of each series whose taker fields are NULL and store
    the fields (the candle upsert keeps every other value and never writes None). ``pause_s``
    between pages keeps well under the source's weight budget (the Binance client also throttles
    itself). Then the derivatives taker volumes and CVD of the 5m/1h series are rebuilt from the
    candles. Returns the number of candles filled. Source errors propagate (``SourceError``).
    """
    filled_total = 0
    for symbol in Symbol.objects.filter(symbol__in=symbols).order_by("display_order", "symbol"):
        for timeframe in timeframes:
            step = timeframe_duration(timeframe)
            lacking = Candle.objects.filter(symbol=symbol, timeframe=timeframe, is_closed=True,
                                            taker_buy_quote_volume__isnull=True)
            filled = 0
            start = lacking.order_by("open_time").values_list("open_time", flat=True).first()
            while start is not None:
                end = start + (source.page_limit - 1) * step
                bars = source.bars_fetch(symbol=symbol.data_symbol, timeframe=timeframe, start=start, end=end,
                                         now=end + step)
                if symbol.source_price_divisor != 1:
                    bars = [bar_rescaled(bar, symbol.source_price_divisor) for bar in bars]
                filled += candles_upsert(symbol_id=symbol.pk, timeframe=timeframe,
                                         bars=[bar for bar in bars if bar.taker_buy_quote_volume is not None])
                if on_page:
                    on_page(TakerBackfillProgress(symbol.symbol, timeframe, end, filled, lacking.count()))
                start = (lacking.filter(open_time__gt=end).order_by("open_time")
                         .values_list("open_time", flat=True).first())
                if start is not None:
                    sleep(pause_s)
            filled_total += filled
            if filled and timeframe in PERIODS:
                changed = taker_rows_from_candles(symbol_id=symbol.pk, period=timeframe, since=None,
                                                  source=source.name)
                if changed is not None:
                    cvd_recompute(symbol_id=symbol.pk, period=timeframe, since=changed)
    return filled_total
