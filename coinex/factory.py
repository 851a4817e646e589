"""The one place that turns the trader's mode into an exchange (DESIGN.md "Trading modes").

``paused`` -> no exchange (the cycle makes no exchange call); ``dry-run`` -> the paper
exchange at real market prices; ``live`` -> the CoinEx v2 client with the credentials in
force. Nothing else in the code base branches on the mode.
"""

from __future__ import annotations

import hashlib
import threading
from enum import StrEnum

from django.conf import settings

from coinex.client import ApiCredentials, CoinExClient
from coinex.credentials import CredentialsError, credentials_resolve
from coinex.errors import ExchangeAuthError
from coinex.exchange import Exchange
from coinex.paper import PaperConfig, PaperExchange, PriceProvider
from coinex.paper.exchange import price_provider_default, prices_provider_default

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


def exchange_for_mode(*, mode: str, price_provider: PriceProvider | None = None,
                      paper_account: str = "default") -> Exchange | None:
    """The exchange for ``mode`` (``paused``, ``dry-run`` or ``live``); ``None`` when paused.

    ``price_provider`` and ``paper_account`` apply to dry-run only. Live raises
    ``ExchangeAuthError`` when no usable credentials are configured; an unknown mode
    raises ``ValueError`` (never a silent fallback to live).
    """
    try:
        trading_mode = TradingMode(mode)
    except ValueError:
        raise ValueError(f"unknown trading mode {mode!r}; expected one of {[m.value for m in TradingMode]}") from None
    if trading_mode == TradingMode.PAUSED:
        return None
    if trading_mode == TradingMode.DRY_RUN:
        return PaperExchange(price_provider=price_provider or price_provider_default,
                             prices_provider=None if price_provider else prices_provider_default,
                             config=PaperConfig.from_settings(), account_name=paper_account)
    try:
        resolved = credentials_resolve()
    except CredentialsError as error:
        raise ExchangeAuthError(str(error)) from None
    if resolved is None:
        raise ExchangeAuthError("live mode needs CoinEx API credentials (environment or settings page)")
    return _live_client(base_url=settings.COINEX_BASE_URL, access_id=resolved.credentials.access_id,
                        secret_key=resolved.credentials.secret_key)
