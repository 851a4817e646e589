"""System checks of the venue settings (CoinEx, Binance USD-M): a malformed key or URL fails loudly."""

from __future__ import annotations

from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register


@register()
def coinex_settings_check(app_configs, **kwargs) -> list[Error]:
    """CREDENTIALS_ENCRYPTION_KEY is a Fernet key; COINEX_BASE_URL is http(s) ending in /v2;
    the access id and secret key are set together or not at all."""
    errors = []
    key = settings.CREDENTIALS_ENCRYPTION_KEY
    if key:
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(Error(
                "CREDENTIALS_ENCRYPTION_KEY is not a valid Fernet key.",
                hint="Generate one: python -c 'from cryptography.fernet import Fernet; "
                     "print(Fernet.generate_key().decode())'",
                id="coinex.E001",
            ))
    url = urlsplit(settings.COINEX_BASE_URL)
    if url.scheme not in ("http", "https") or not url.netloc or not url.path.endswith("/v2"):
        errors.append(Error(
            f"COINEX_BASE_URL={settings.COINEX_BASE_URL!r} is not an http(s) URL ending in /v2.",
            hint="Use https://api.coinex.com/v2, or http://127.0.0.1:PORT/v2 for the sandbox.",
            id="coinex.E002",
        ))
    binance_url = urlsplit(settings.BINANCE_FUTURES_BASE_URL)
    if binance_url.scheme not in ("http", "https") or not binance_url.netloc or binance_url.path not in ("", "/"):
        errors.append(Error(
            f"BINANCE_FUTURES_BASE_URL={settings.BINANCE_FUTURES_BASE_URL!r} is not an http(s) URL without a path.",
            hint="Use https://fapi.binance.com, https://testnet.binancefuture.com, or http://127.0.0.1:PORT for "
                 "the loopback server (the adapter adds /fapi/...).",
            id="coinex.E004",
        ))
    if bool(settings.BINANCE_API_KEY) != bool(settings.BINANCE_API_SECRET):
        errors.append(Error(
            "Only one of BINANCE_API_KEY and BINANCE_API_SECRET is set.",
            hint="Set both (they then take precedence over runtime credentials) or neither.",
            id="coinex.E005",
        ))
    if bool(settings.COINEX_ACCESS_ID) != bool(settings.COINEX_SECRET_KEY):
        errors.append(Error(
            "Only one of COINEX_ACCESS_ID and COINEX_SECRET_KEY is set.",
            hint="Set both (they then take precedence over runtime credentials) or neither.",
            id="coinex.E003",
        ))
    return errors
