"""Binance USD-M market rules of the platform's 29 coins, bundled for offline use.

The paper exchange on the ``binance`` venue uses Binance's own rules so a paper trade is one
that could have been placed there. The fresh rules come from ``exchangeInfo`` through the
real adapter (:mod:`coinex.paper.venue_markets` caches them); these bundled ones serve the
offline demo, the tests and any moment Binance cannot be asked. They are copied from
``GET /fapi/v1/exchangeInfo`` as far as known at the time of writing (PRICE_FILTER
tickSize, LOT_SIZE stepSize/minQty, MIN_NOTIONAL notional, highest bracket leverage);
Binance changes them now and then, which is why the fetched rules win.
"""

from __future__ import annotations

from typing import Any

# Venue symbol: (tickSize, stepSize = minQty, MIN_NOTIONAL notional, max leverage)
_RULES: dict[str, tuple[str, str, str, int]] = {
    "BTCUSDT": ("0.10", "0.001", "100", 125),
    "ETHUSDT": ("0.01", "0.001", "20", 125),
    "BNBUSDT": ("0.010", "0.01", "5", 75),
    "SOLUSDT": ("0.0100", "1", "5", 100),
    "XRPUSDT": ("0.0001", "0.1", "5", 75),
    "DOGEUSDT": ("0.000010", "1", "5", 75),
    "ADAUSDT": ("0.00010", "1", "5", 75),
    "AVAXUSDT": ("0.0010", "1", "5", 75),
    "DOTUSDT": ("0.001", "0.1", "5", 75),
    "LINKUSDT": ("0.001", "0.01", "20", 75),
    "LTCUSDT": ("0.01", "0.001", "20", 75),
    "BCHUSDT": ("0.01", "0.001", "20", 75),
    "ETCUSDT": ("0.001", "0.01", "20", 75),
    "TRXUSDT": ("0.00001", "1", "5", 75),
    "XLMUSDT": ("0.00001", "1", "5", 75),
    "ATOMUSDT": ("0.001", "0.01", "5", 75),
    "UNIUSDT": ("0.0010", "1", "5", 75),
    "AAVEUSDT": ("0.010", "0.1", "5", 75),
    "FILUSDT": ("0.001", "0.1", "5", 75),
    "NEARUSDT": ("0.0010", "1", "5", 75),
    "APTUSDT": ("0.00010", "0.1", "5", 75),
    "ARBUSDT": ("0.0001", "0.1", "5", 75),
    "OPUSDT": ("0.0001000", "0.1", "5", 75),
    "INJUSDT": ("0.001000", "0.1", "5", 75),
    "SUIUSDT": ("0.000100", "0.1", "5", 75),
    "SEIUSDT": ("0.00010", "1", "5", 75),
    "HBARUSDT": ("0.00001", "1", "5", 75),
    "WIFUSDT": ("0.0001000", "0.1", "5", 75),
    "1000PEPEUSDT": ("0.0000001", "1", "5", 75),
}


def exchange_info_bundled() -> list[dict[str, Any]]:
    """The bundled rules as ``exchangeInfo`` symbol objects (parsed like a fetched answer)."""
    items = []
    for symbol, (tick, step, notional, _leverage) in _RULES.items():
        base = symbol.removesuffix("USDT")
        items.append({
            "symbol": symbol, "pair": symbol, "contractType": "PERPETUAL", "status": "TRADING",
            "baseAsset": base, "quoteAsset": "USDT", "marginAsset": "USDT",
            "filters": [
                {"filterType": "PRICE_FILTER", "tickSize": tick},
                {"filterType": "LOT_SIZE", "stepSize": step, "minQty": step},
                {"filterType": "MARKET_LOT_SIZE", "stepSize": step, "minQty": step},
                {"filterType": "MIN_NOTIONAL", "notional": notional},
            ],
        })
    return items


def max_leverages_bundled() -> dict[str, int]:
    """Highest leverage per venue symbol, as ``/fapi/v1/leverageBracket`` would give it."""
    return {symbol: rules[3] for symbol, rules in _RULES.items()}
