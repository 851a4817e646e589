"""The one place that turns the trader's book (mode, venue) into an exchange (DESIGN.md "Trading
modes", "Venues and books").

``paused`` -> no exchange (the cycle makes no exchange call); ``dry-run`` -> the paper
exchange at real market prices; ``live`` -> the chosen venue's client (CoinEx v2, the
default, or Binance USD-M) with that venue's credentials in force. A venue without an
installed adapter is refused with ``VenueUnavailable``, never served by another venue's
client. Nothing else in the code base branches on the mode or the venue.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from enum import StrEnum

from django.conf import settings

from coinex.binance import BinanceUsdmClient
from coinex.client import ApiCredentials, CoinExClient
from coinex.credentials import CredentialsError, credentials_resolve
from coinex.errors import ExchangeAuthError, VenueUnavailable
from coinex.exchange import Exchange
from coinex.paper import PaperConfig, PaperExchange, PriceProvider
from coinex.paper.exchange import price_provider_default, prices_provider_default
from coinex.paper.markets import paper_markets
from coinex.venue import VENUE_NAMES, Venue, venue_parse

LiveClient = CoinExClient | BinanceUsdmClient

# Live clients are kept per (venue, base URL, key pair) so the markets cache, the server-time
# offset, the rate-limit budgets and the connection pool outlive one trading cycle.
_live_clients: dict[tuple[str, str, str, str], LiveClient] = {}
_live_clients_lock = threading.Lock()


def _coinex_create(base_url: str, credentials: ApiCredentials) -> LiveClient:
    return CoinExClient.create(base_url=base_url, credentials=credentials, timeout_s=settings.COINEX_TIMEOUT_S,
                               request_window_ms=settings.COINEX_REQUEST_WINDOW_MS)


def _binance_create(base_url: str, credentials: ApiCredentials) -> LiveClient:
    return BinanceUsdmClient.create(base_url=base_url, credentials=credentials, timeout_s=settings.BINANCE_TIMEOUT_S,
                                    recv_window_ms=settings.BINANCE_RECV_WINDOW_MS,
                                    hedge_mode=settings.BINANCE_HEDGE_MODE)


_CREATORS: dict[Venue, Callable[[str, ApiCredentials], LiveClient]] = {
    Venue.COINEX: _coinex_create,
    Venue.BINANCE: _binance_create,
}


def _live_client(*, venue: Venue, base_url: str, access_id: str, secret_key: str) -> LiveClient:
    key = (venue.value, base_url, access_id, hashlib.sha256(secret_key.encode()).hexdigest())
    with _live_clients_lock:
        client = _live_clients.get(key)
        if client is None:
            for stale_key in [k for k in _live_clients if k[0] == venue.value]:  # credentials or URL changed
                _live_clients.pop(stale_key).close()
            client = _CREATORS[venue](base_url, ApiCredentials(access_id, secret_key))
            _live_clients[key] = client
        return client


class TradingMode(StrEnum):
    PAUSED = "paused"
    DRY_RUN = "dry-run"
    LIVE = "live"


# The venues whose adapter is installed (both today); a venue added to ``Venue`` before its
# adapter is refused with ``VenueUnavailable``, never served by another venue's client.
VENUES_WITH_ADAPTER = frozenset(_CREATORS)


def venue_available(venue: str) -> bool:
    """True when ``venue`` has an installed exchange adapter (it can be traded, live or on paper)."""
    try:
        return venue_parse(str(venue)) in VENUES_WITH_ADAPTER
    except ValueError:
        return False


def venue_unavailable_reason(venue: str) -> str:
    """Why ``venue`` cannot be traded, in words for the operator."""
    return (f"no exchange adapter is installed for the venue {venue!r}: nothing can be traded there; "
            f"choose the venue {Venue.COINEX.value!r} (while paused)")


# Each venue's dry-run book has a paper account of its own: a paper position opened by one venue's
# rules is never seen (nor adopted) by the other venue's book. CoinEx keeps the historical name.
PAPER_ACCOUNTS = {Venue.COINEX: "default", Venue.BINANCE: "binance"}


def exchange_for_mode(*, mode: str, venue: str = Venue.COINEX, price_provider: PriceProvider | None = None,
                      paper_account: str | None = None) -> Exchange | None:
    """The exchange of the book (``mode``, ``venue``); ``None`` when paused.

    ``venue`` is ``coinex`` (default) or ``binance`` (``binance_usdm`` is accepted too); it
    picks the live client and its credentials. Dry-run is the paper exchange with the venue's
    market rules and fees (``coinex.paper.markets``: a paper trade could have been placed
    there), on the venue's own paper account (``PAPER_ACCOUNTS``). ``price_provider`` and
    ``paper_account`` apply to dry-run only. Live raises ``ExchangeAuthError`` when the
    venue has no usable credentials; a venue without an adapter raises ``VenueUnavailable``;
    an unknown mode or venue raises ``ValueError`` (never a silent fallback to live or to
    another venue).
    """
    try:
        trading_mode = TradingMode(mode)
    except ValueError:
        raise ValueError(f"unknown trading mode {mode!r}; expected one of {[m.value for m in TradingMode]}") from None
    chosen = venue_parse(str(venue))
    if trading_mode == TradingMode.PAUSED:
        return None
    if chosen not in VENUES_WITH_ADAPTER:
        raise VenueUnavailable(venue_unavailable_reason(venue))
    if trading_mode == TradingMode.DRY_RUN:
        return PaperExchange(price_provider=price_provider or price_provider_default,
                             prices_provider=None if price_provider else prices_provider_default,
                             config=PaperConfig.from_settings(venue=chosen),
                             account_name=paper_account or PAPER_ACCOUNTS[chosen],
                             markets=paper_markets(venue=chosen))
    try:
        resolved = credentials_resolve(venue=chosen)
    except CredentialsError as error:
        raise ExchangeAuthError(str(error)) from None
    if resolved is None:
        raise ExchangeAuthError(f"live mode needs {VENUE_NAMES[chosen]} API credentials (environment or settings page)")
    base_url = settings.BINANCE_FUTURES_BASE_URL if chosen == Venue.BINANCE else settings.COINEX_BASE_URL
    return _live_client(venue=chosen, base_url=base_url, access_id=resolved.credentials.access_id,
                        secret_key=resolved.credentials.secret_key)
