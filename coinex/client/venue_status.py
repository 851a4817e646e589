"""CoinEx venue status from what its API v2 offers (docs/EXCHANGES.md "Venue status gate").

- The venue: ``GET /time`` answering (CoinEx reachable). CoinEx also documents a
  maintenance-information endpoint; it is not consulted here because its shape could not
  be confirmed from this environment (a maintenance window shows as an unreachable or
  failing venue instead, which refuses entries just the same).
- Each market: ``GET /futures/market``. A market with ``is_market_available`` false is
  suspended; a market CoinEx no longer lists is closed (delisted or ceased); an empty
  list means the venue itself is closed (what the reported 2026-09-22 cessation would
  look like). CoinEx publishes no per-market reduce-only flag.
"""

from __future__ import annotations

from collections.abc import Iterable

from coinex.client.transport import CoinExTransport
from coinex.errors import ExchangeAuthError, ExchangeError
from coinex.venue import Venue, VenueState, VenueStatus


def coinex_venue_status(*, transport: CoinExTransport, symbols: Iterable[str] = ()) -> VenueStatus:
    """The venue's status now (two public calls); ``unknown`` when CoinEx cannot be asked."""
    try:
        transport.server_time_ms()
        listed = transport.get("/futures/market") or []
    except ExchangeAuthError:
        raise
    except ExchangeError as error:
        return VenueStatus(venue=Venue.COINEX, state=VenueState.UNKNOWN, reason=f"CoinEx unreachable: {error}")
    available = {item["market"]: bool(item.get("is_market_available", True)) for item in listed}
    markets, reasons = {}, {}
    for symbol in symbols:
        if symbol not in available:
            markets[symbol], reasons[symbol] = VenueState.CLOSED, "not listed by CoinEx futures (delisted or ceased)"
        elif not available[symbol]:
            markets[symbol], reasons[symbol] = VenueState.SUSPENDED, "is_market_available is false"
        else:
            markets[symbol] = VenueState.OPEN
    if not available:
        return VenueStatus(venue=Venue.COINEX, state=VenueState.CLOSED, markets=markets, market_reasons=reasons,
                           reason="CoinEx lists no futures market")
    if not any(available.values()):
        return VenueStatus(venue=Venue.COINEX, state=VenueState.SUSPENDED, markets=markets, market_reasons=reasons,
                           reason="no CoinEx futures market is available")
    return VenueStatus(venue=Venue.COINEX, state=VenueState.OPEN, markets=markets, market_reasons=reasons,
                       reason="CoinEx answers and lists available markets")
