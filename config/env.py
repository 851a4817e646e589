"""Typed, strict reading of environment variables for the settings module.

django-environ parses the URLs; this module adds what it lacks for an operator: a
malformed value (``DEBUG=maybe``, ``PORT=eighty``) is an error that names the variable
instead of being silently read as a default. Every error is an ``ImproperlyConfigured``
whose message is one line, so ``manage.py`` can print it without a stack trace.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

_env = environ.Env()


class EnvError(ImproperlyConfigured):
    """A missing or malformed environment variable; the message names it."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, *, default: str | None = None) -> str:
    """The variable as a string; ``default`` when unset; an error when unset without one."""
    value = _raw(name)
    if value is None or value == "":
        if default is None:
            raise EnvError(f"{name} is required but not set (see .env.example)")
        return default
    return value


def env_bool(name: str, *, default: bool) -> bool:
    """true/false, yes/no, on/off, 1/0 (any case); unset or empty is ``default``; else an error."""
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, *, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer within [minimum, maximum] when those are given."""
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not an integer") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise EnvError(f"{name}={number} is out of range ({minimum}..{maximum})")
    return number


def env_float(name: str, *, default: float, minimum: float | None = None, maximum: float | None = None) -> float:
    """A number within [minimum, maximum] when those are given."""
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a number") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise EnvError(f"{name}={number} is out of range ({minimum}..{maximum})")
    return number


def env_list(name: str, *, default: list[str]) -> list[str]:
    """Comma-separated values, blanks dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, *, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (case-insensitive)."""
    value = _raw(name)
    if value is None or value == "":
        return default
    if value.lower() not in choices:
        raise EnvError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value.lower()


def env_parsed[T](name: str, *, default: str, parse: Callable[[str], T], what: str) -> T:
    """The variable (or ``default``) run through ``parse``; a parse failure names the variable."""
    value = _raw(name) or default
    try:
        return parse(value)
    except Exception as exc:  # noqa: BLE001 - django-environ raises several types for a bad URL
        raise EnvError(f"{name} is not a valid {what}: {exc}") from None


def database_config(url: str) -> dict[str, Any]:
    """Django DATABASES entry for a ``DATABASE_URL`` (sqlite:///path or postgres://...)."""
    if "://" not in url:
        raise ValueError("expected a URL such as postgres://user@host:5432/name")
    config = _env.db_url_config(url)
    if not config.get("ENGINE"):
        raise ValueError(f"unsupported scheme in {url.split('://', 1)[0]!r}")
    return config


def redis_url(url: str) -> str:
    """Validate a ``redis://`` or ``rediss://`` URL and return it unchanged."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected redis://host:port/db")
    return url


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``Header-Name: value`` as Django's ``SECURE_PROXY_SSL_HEADER`` (``HTTP_HEADER_NAME``, value);
    ``off`` for None (no proxy: only the connection itself says whether it is HTTPS)."""
    if value.lower() in ("off", "none", "false"):
        return None
    name, separator, expected = value.partition(":")
    name, expected = name.strip(), expected.strip()
    if not separator or not name or not expected or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError("expected 'Header-Name: value' such as 'X-Forwarded-Proto: https', or off")
    return f"HTTP_{name.upper().replace('-', '_')}", expected


# Every variable the platform reads (documented in .env.example). Later apps add theirs.
KNOWN_ENV_VARS = (
    "APP_ENV",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "PORT",
    "VAR_DIR",
    "DATABASE_URL",
    "DB_POOL",
    "DB_POOL_MIN_SIZE",
    "DB_POOL_MAX_SIZE",
    "DB_POOL_TIMEOUT_S",
    "DB_APPLICATION_NAME",
    "WEB_CONCURRENCY",
    "WEB_THREADS",
    "REDIS_URL",
    "REDIS_SOCKET_TIMEOUT_S",
    "CELERY_TASK_TIME_LIMIT_S",
    "CELERY_TASK_SOFT_TIME_LIMIT_S",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "API_DOCS_PUBLIC",
    "LOG_DIR",
    "LOG_LEVEL",
    "LOG_CONSOLE_FORMAT",
    "HEALTH_CELERY_TIMEOUT_S",
    "HEALTH_PROBE_CACHE_S",
    "POSTGRES_PASSWORD",
    "POSTGRES_IMAGE",
    "PUBLISHED_PORT",
    "HOST",
    "KLINES_DIR",
    "ADMIN_USERNAME",
    "ADMIN_EMAIL",
    "MARKET_DATA_SOURCE",
    "BINANCE_BASE_URL",
    "BINANCE_TIMEOUT_S",
    "BINANCE_WEIGHT_LIMIT_1M",
    "MARKET_DATA_BACKFILL_CANDLES",
    "MARKET_DATA_CACHE_CANDLES",
    "MARKET_DATA_SIMULATED_SEED",
    "MARKET_DATA_REPLAY_DIR",
    "MARKET_DATA_REPLAY_START",
    "MARKET_DATA_REPLAY_SPEED",
    "MARKET_DATA_REPLAY_DATABASE_URL",
    "DERIVATIVES_ENABLED",
    "DERIVATIVES_BASE_URL",
    "DERIVATIVES_BUDGET_REQUESTS_5M",
    "DERIVATIVES_BUDGET_MAX_WAIT_S",
    "DERIVATIVES_BACKFILL_DAYS",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_CHAT_ID",
    "TELEGRAM_API_URL",
    "TRADER_LOCKFILE_DIR",
    "TRADER_MAX_SIGNAL_AGE_S",
    "TRADER_RATE_LIMIT_BURST",
    "TRADER_CYCLE_LEASE_S",
    "CELERY_BROKER_VISIBILITY_TIMEOUT_S",
    "COINEX_REQUEST_WINDOW_MS",
    "OUTAGE_WATCH_INTERVAL_S",
    "COINEX_BASE_URL",
    "COINEX_ACCESS_ID",
    "COINEX_SECRET_KEY",
    "CREDENTIALS_ENCRYPTION_KEY",
    "COINEX_TIMEOUT_S",
    "COINEX_PAPER_STARTING_BALANCE",
    "COINEX_PAPER_TAKER_FEE_PCT",
    "COINEX_PAPER_MAKER_FEE_PCT",
    "COINEX_PAPER_SLIPPAGE_PCT",
    "COINEX_PAPER_FUNDING_RATE_PCT",
    "TA_CANDLES_LIMIT",
    "TA_CHAIN_AFTER_FETCH",
    "NUMBA_CACHE_DIR",
    "API_THROTTLE_RATE",
    "BINANCE_FUTURES_BASE_URL",
    "BINANCE_API_KEY",
    "BINANCE_API_SECRET",
    "BINANCE_RECV_WINDOW_MS",
    "BINANCE_HEDGE_MODE",
    "BINANCE_FUTURES_WS_URL",
    "STREAMS_ENABLED",
    "STREAMS_SILENCE_S",
    "STREAMS_BACKOFF_MAX_S",
    "STREAMS_CANDLE_WRITE_S",
    "FX_PROVIDER",
    "FX_FIXED_RATES",
    "FX_FIXED_RATES_DATE",
    "FX_ECB_URL",
    "FX_CACHE_S",
    "FX_TIMEOUT_S",
)
# Prefixes of variables that look like ours; an unknown one under them is probably a typo.
PLATFORM_ENV_PREFIXES = (
    "COINEX_", "TELEGRAM_", "BINANCE_", "MARKET_DATA_", "REDIS_", "DATABASE_", "CELERY_", "HEALTH_", "LOG_", "APP_",
    "TA_", "SECURE_", "DB_", "STREAMS_", "FX_", "DERIVATIVES_",
)
