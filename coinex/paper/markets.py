"""The market rules the paper exchange simulates, per venue (docs/EXCHANGES.md "Dry-run per venue").

A paper trade must be one that could have been placed on the chosen venue, so dry-run on
Binance USD-M uses Binance's tick size, step size and minimum notional (and its fees, set
in ``PaperConfig``), not CoinEx's. Binance's rules are fetched from ``exchangeInfo``
through the real adapter by :func:`venue_markets_refresh` (hourly, from a periodic task)
and cached in Redis; until then, or when Binance cannot be asked, the bundled rules of
:mod:`coinex.binance.markets_default` apply. Reading them never makes a network call.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from coinex.binance.client import BinanceUsdmClient
from coinex.binance.markets_default import exchange_info_bundled, max_leverages_bundled
from coinex.binance.parse import market_parse
from coinex.binance.symbols import venue_symbol
from coinex.dto import Market
from coinex.simulator.markets import default_markets
from coinex.venue import Venue, venue_parse
from config.bus.client import bus_get_json, bus_set_json
from config.bus.schema import VENUE_MARKETS_TTL_S, key_venue_markets
from config.logging import Category

logger = logging.getLogger(__name__)

_DECIMAL_FIELDS = ("min_amount", "tick_size", "maker_fee_rate", "taker_fee_rate", "min_notional", "lot_step")
# The last cached answer parsed, keyed by its fetch time: every dry-run exchange reads the
# rules, and parsing hundreds of markets per call would be waste.
_parsed_cache: dict[str, tuple[str, dict[str, Market]]] = {}
_parsed_lock = threading.Lock()


def binance_markets_bundled() -> dict[str, Market]:
    """Binance USD-M rules of the platform's coins as bundled (platform symbols)."""
    leverages = max_leverages_bundled()
    return {market.symbol: market for market in
            (market_parse(item, max_leverage=leverages[item["symbol"]]) for item in exchange_info_bundled())}


def _market_to_json(market: Market) -> dict[str, Any]:
    return {field.name: getattr(market, field.name) for field in dataclasses.fields(market)}


def _market_from_json(data: dict[str, Any]) -> Market:
    values = dict(data)
    for name in _DECIMAL_FIELDS:
        if values.get(name) is not None:
            values[name] = Decimal(str(values[name]))
    values["leverages"] = tuple(values["leverages"])
    return Market(**values)


def paper_markets(*, venue: str) -> dict[str, Market]:
    """The rules the paper exchange uses on ``venue``, keyed by platform symbol.

    CoinEx: the simulator's CoinEx rules. Binance USD-M: the cached ``exchangeInfo`` rules
    when a refresh stored them, else the bundled ones. Never a network call.
    """
    if venue_parse(str(venue)) != Venue.BINANCE:
        return default_markets()
    cached = bus_get_json(key=key_venue_markets(Venue.BINANCE))
    if not cached or not cached.get("markets"):
        return binance_markets_bundled()
    stamp = str(cached.get("fetched_at"))
    with _parsed_lock:
        hit = _parsed_cache.get(Venue.BINANCE)
        if hit is not None and hit[0] == stamp:
            return dict(hit[1])
    try:
        markets = {item["symbol"]: _market_from_json(item) for item in cached["markets"]}
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        logger.warning("cached Binance market rules unreadable (%s); using the bundled ones", error,
                       extra={"category": Category.API})
        return binance_markets_bundled()
    with _parsed_lock:
        _parsed_cache[Venue.BINANCE] = (stamp, markets)
    return dict(markets)


def venue_markets_refresh(*, venue: str, client: BinanceUsdmClient | None = None) -> int:
    """Fetch ``venue``'s market rules through its real adapter and cache them; returns how many.

    Binance USD-M only (CoinEx's paper rules are the simulator's). ``client`` defaults to an
    unsigned client for ``BINANCE_FUTURES_BASE_URL`` (``exchangeInfo`` is public). Without
    keys Binance does not tell the leverage brackets: the bundled maximum applies where known.
    Raises the adapter's ``ExchangeError`` when Binance cannot be asked (the cache is kept).
    """
    if venue_parse(str(venue)) != Venue.BINANCE:
        return 0
    own_client = client is None
    if client is None:
        client = BinanceUsdmClient.create(base_url=settings.BINANCE_FUTURES_BASE_URL, credentials=None,
                                          timeout_s=settings.BINANCE_TIMEOUT_S)
    try:
        markets = client.markets()
    finally:
        if own_client:
            client.close()
    leverages = max_leverages_bundled()
    fetched = []
    for market in markets:
        bundled_max = leverages.get(venue_symbol(market.symbol))
        if client.transport.credentials is None and bundled_max:
            market = dataclasses.replace(market, leverages=tuple(range(1, bundled_max + 1)))
        fetched.append(_market_to_json(market))
    bus_set_json(key=key_venue_markets(Venue.BINANCE), ttl_s=VENUE_MARKETS_TTL_S,
                 payload={"fetched_at": datetime.now(tz=UTC), "markets": fetched})
    logger.info("cached the market rules of %d Binance USD-M perpetuals", len(fetched),
                extra={"category": Category.API})
    return len(fetched)
