"""The one place that turns the trader's book (mode, venue) into an exchange (DESIGN.md "Trading
modes", "Venues and books").

``paused`` -> no exchange (the cycle makes no exchange call); ``dry-run`` -> the paper
exchange at real market prices; ``live`` -> the venue's client with the credentials in
force (CoinEx v2). A venue without an installed adapter is refused with
``VenueUnavailable``, never served by another venue's client. Nothing else in the code
base branches on the mode or the venue.
"""

from __future__ import annotations

import hashlib
import threading
from enum import StrEnum

from django.conf import settings

from coinex.client import ApiCredentials, CoinExClient
from coinex.credentials import CredentialsError, credentials_resolve
from coinex.errors import ExchangeAuthError, VenueUnavailable
from coinex.exchange import Exchange
from coinex.paper import PaperConfig, PaperExchange, PriceProvider
from coinex.paper.exchange import price_provider_default

# Live clients are kept per (base URL, key pair) so the markets cache, the server-time
# offset, the rate-limit buckets and the connection pool outlive one trading cycle.
_live_clients: dict[tuple[str, str, str], CoinExClient] = {}
_live_clients_lock = threading.Lock()


def _live_client(*, base_url: str, access_id: str, secret_key: str) -> CoinExClient:
    key = (base_url, access_id, hashlib.sha256(secret_key.encode()).hexdigest())
    with _live_clients_lock:
        client = _live_clients.get(key)
        if client is None:
            for stale in _live_clients.values():  # credentials or URL changed: drop the old ones
                stale.close()
            _live_clients.clear()
            client = CoinExClient.create(base_url=base_url, credentials=ApiCredentials(access_id, secret_key),
                                         timeout_s=settings.COINEX_TIMEOUT_S)
            _live_clients[key] = client
        return client


class TradingMode(StrEnum):
    PAUSED = "paused"
    DRY_RUN = "dry-run"
    LIVE = "live"


class Venue(StrEnum):
    COINEX = "coinex"
    BINANCE = "binance"


# The venues whose adapter is installed. Binance USD-M is a chosen venue without one yet:
# its paper book would need its market rules and prices, its live book its client.
VENUES_WITH_ADAPTER = frozenset({Venue.COINEX})


def venue_available(venue: str) -> bool:
    """True when ``venue`` has an installed exchange adapter (it can be traded, live or on paper)."""
    return venue in VENUES_WITH_ADAPTER


def venue_unavailable_reason(venue: str) -> str:
    """Why ``venue`` cannot be traded, in words for the operator."""
    return (f"no exchange adapter is installed for the venue {venue!r} yet: nothing can be traded there; "
            f"choose the venue {Venue.COINEX.value!r} (while paused)")


def exchange_for_mode(*, mode: str, venue: str = Venue.COINEX, price_provider: PriceProvider | None = None,
                      paper_account: str = "default") -> Exchange | None:
    """The exchange of the book (``mode``, ``venue``); ``None`` when paused.

    ``price_provider`` and ``paper_account`` apply to dry-run only. Live raises
    ``ExchangeAuthError`` when no usable credentials are configured; a venue without an
    adapter raises ``VenueUnavailable`` (in dry-run too); an unknown mode or venue raises
    ``ValueError`` (never a silent fallback to live or to another venue).
    """
    try:
        trading_mode = TradingMode(mode)
    except ValueError:
        raise ValueError(f"unknown trading mode {mode!r}; expected one of {[m.value for m in TradingMode]}") from None
    if venue not in {v.value for v in Venue}:
        raise ValueError(f"unknown venue {venue!r}; expected one of {[v.value for v in Venue]}")
    if trading_mode == TradingMode.PAUSED:
        return None
    if not venue_available(venue):
        raise VenueUnavailable(venue_unavailable_reason(venue))
    if trading_mode == TradingMode.DRY_RUN:
        return PaperExchange(price_provider=price_provider or price_provider_default,
                             config=PaperConfig.from_settings(), account_name=paper_account)
    try:
        resolved = credentials_resolve()
    except CredentialsError as error:
        raise ExchangeAuthError(str(error)) from None
    if resolved is None:
        raise ExchangeAuthError("live mode needs CoinEx API credentials (environment or settings page)")
    return _live_client(base_url=settings.COINEX_BASE_URL, access_id=resolved.credentials.access_id,
                        secret_key=resolved.credentials.secret_key)
