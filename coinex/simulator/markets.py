"""The 29 USDT perpetuals the platform trades, with realistic rules and default prices.

The defaults let the sandbox and the paper exchange work out of the box. Prices are
recent real closes (shared klines); minimum amounts and precisions follow CoinEx's
futures market list in spirit (a few dollars' minimum notional). Fee rates are CoinEx's
standard futures rates: maker 0.03 %, taker 0.05 %.
"""

from __future__ import annotations

from decimal import Decimal

from coinex.dto import Market

MAKER_FEE_RATE = Decimal("0.0003")
TAKER_FEE_RATE = Decimal("0.0005")
LEVERAGES_MAJOR = (1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 100)
LEVERAGES_ALT = (1, 2, 3, 5, 8, 10, 15, 20, 30, 50)

# symbol: (default price, min amount, amount precision, price precision)
_RULES: dict[str, tuple[str, str, int, int]] = {
    "BTCUSDT": ("56588", "0.0001", 4, 1),
    "ETHUSDT": ("2392.63", "0.005", 3, 2),
    "BNBUSDT": ("651.45", "0.01", 2, 2),
    "SOLUSDT": ("124.55", "0.05", 2, 3),
    "XRPUSDT": ("0.5208", "10", 0, 4),
    "DOGEUSDT": ("0.09194", "50", 0, 5),
    "ADAUSDT": ("0.6155", "10", 0, 4),
    "AVAXUSDT": ("21.1", "0.3", 1, 3),
    "DOTUSDT": ("3.75", "1", 1, 3),
    "LINKUSDT": ("9.57", "0.5", 1, 3),
    "LTCUSDT": ("66.56", "0.1", 2, 2),
    "BCHUSDT": ("293.9", "0.02", 2, 2),
    "ETCUSDT": ("17.28", "0.3", 1, 3),
    "TRXUSDT": ("0.1484", "50", 0, 5),
    "XLMUSDT": ("0.253", "20", 0, 5),
    "ATOMUSDT": ("3.693", "1", 1, 3),
    "UNIUSDT": ("6.131", "1", 1, 3),
    "AAVEUSDT": ("124.59", "0.05", 2, 2),
    "FILUSDT": ("2.396", "2", 1, 3),
    "NEARUSDT": ("3.556", "1", 1, 3),
    "APTUSDT": ("5.75", "1", 1, 3),
    "ARBUSDT": ("0.482", "10", 0, 4),
    "OPUSDT": ("1.341", "3", 1, 4),
    "INJUSDT": ("16.11", "0.3", 1, 3),
    "SUIUSDT": ("0.8416", "5", 0, 4),
    "SEIUSDT": ("0.2632", "20", 0, 4),
    "HBARUSDT": ("0.047", "100", 0, 5),
    "WIFUSDT": ("1.487", "3", 0, 4),
    "PEPEUSDT": ("0.00000667", "1000000", 0, 8),
}
MAJORS = frozenset({"BTCUSDT", "ETHUSDT"})


def default_markets() -> dict[str, Market]:
    """Rules of every supported market, keyed by symbol."""
    markets = {}
    for symbol, (_price, min_amount, amount_precision, price_precision) in _RULES.items():
        markets[symbol] = Market(
            symbol=symbol,
            base_asset=symbol.removesuffix("USDT"),
            quote_asset="USDT",
            min_amount=Decimal(min_amount),
            amount_precision=amount_precision,
            price_precision=price_precision,
            tick_size=Decimal(1).scaleb(-price_precision),
            leverages=LEVERAGES_MAJOR if symbol in MAJORS else LEVERAGES_ALT,
            maker_fee_rate=MAKER_FEE_RATE,
            taker_fee_rate=TAKER_FEE_RATE,
        )
    return markets


def default_prices() -> dict[str, Decimal]:
    """A realistic starting price for every supported market."""
    return {symbol: Decimal(rules[0]) for symbol, rules in _RULES.items()}
