"""Binance USD-M venue status: ``/fapi/v1/ping`` for the venue, ``exchangeInfo`` per symbol.

Symbol statuses (exchangeInfo ``status``): TRADING is open; PRE_DELIVERING and PRE_SETTLE
(a contract about to be delivered or delisted) take exits only; DELIVERING and SETTLING
are suspended for now; PENDING_TRADING (not yet listed), DELIVERED and CLOSE are closed,
as is a symbol missing from the list (delisted).
"""

from __future__ import annotations

from collections.abc import Iterable

from coinex.binance.symbols import platform_symbol
from coinex.binance.transport import BinanceTransport
from coinex.errors import ExchangeError
from coinex.venue import Venue, VenueState, VenueStatus

SYMBOL_STATES = {
    "TRADING": VenueState.OPEN,
    "PRE_DELIVERING": VenueState.REDUCE_ONLY,
    "PRE_SETTLE": VenueState.REDUCE_ONLY,
    "DELIVERING": VenueState.SUSPENDED,
    "SETTLING": VenueState.SUSPENDED,
    "PENDING_TRADING": VenueState.CLOSED,
    "DELIVERED": VenueState.CLOSED,
    "CLOSE": VenueState.CLOSED,
}


def venue_status_from(*, transport: BinanceTransport, symbols: Iterable[str] = ()) -> VenueStatus:
    """The venue's status now (two public calls, weight 2); ``unknown`` when Binance cannot be asked."""
    try:
        transport.get("/fapi/v1/ping")
        info = transport.get("/fapi/v1/exchangeInfo")
    except ExchangeError as error:
        return VenueStatus(venue=Venue.BINANCE, state=VenueState.UNKNOWN, reason=f"Binance USD-M unreachable: {error}")
    statuses = {platform_symbol(item["symbol"]): str(item.get("status")) for item in info.get("symbols", [])}
    markets, reasons = {}, {}
    for symbol in symbols:
        raw = statuses.get(symbol)
        markets[symbol] = SYMBOL_STATES.get(raw or "CLOSE", VenueState.UNKNOWN)
        reasons[symbol] = f"exchangeInfo status {raw}" if raw else "not listed (delisted)"
    if statuses and all(SYMBOL_STATES.get(s) != VenueState.OPEN for s in statuses.values()):
        return VenueStatus(venue=Venue.BINANCE, state=VenueState.SUSPENDED, markets=markets, market_reasons=reasons,
                           reason="no symbol is TRADING")
    return VenueStatus(venue=Venue.BINANCE, state=VenueState.OPEN, reason="ping ok", markets=markets,
                       market_reasons=reasons)
