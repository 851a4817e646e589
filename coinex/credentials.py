"""Venue API credentials: environment first, else stored encrypted at rest (Fernet).

- One pair per venue (:class:`coinex.venue.Venue`); every function takes ``venue``
  (default ``coinex``, so single-venue callers are unchanged).
- ``COINEX_ACCESS_ID`` + ``COINEX_SECRET_KEY`` (CoinEx) and ``BINANCE_API_KEY`` +
  ``BINANCE_API_SECRET`` (Binance USD-M) in the environment take precedence.
- Credentials set at runtime (settings page or API) are encrypted with the Fernet key in
  ``CREDENTIALS_ENCRYPTION_KEY``; without a key they are refused, never stored in clear.
- They are never returned in full (the access id is masked, the secret never shown) and
  every value is registered with the log redaction filter, so it is never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction

from coinex.binance import BinanceUsdmClient
from coinex.client import ApiCredentials, CoinExClient
from coinex.errors import ExchangeAuthError, ExchangeError, ExchangeTemporaryError
from coinex.models import StoredCredentials
from coinex.venue import VENUE_NAMES, Venue, venue_parse
from config.logging import Category, secret_register

logger = logging.getLogger(__name__)

MASK = "****"
MASK_VISIBLE_CHARS = 4
CONNECTION_TEST_TIMEOUT_S = 10.0


class CredentialsError(Exception):
    """Credentials cannot be stored or read (no or wrong encryption key, empty values)."""


class CredentialsSource(StrEnum):
    ENVIRONMENT = "environment"
    DATABASE = "database"
    NONE = "none"


@dataclass(frozen=True)
class ResolvedCredentials:
    """Credentials in force and where they came from; ``repr`` hides both values."""

    credentials: ApiCredentials
    source: CredentialsSource

    def __repr__(self) -> str:
        return f"ResolvedCredentials(source={self.source})"


def _fernet() -> Fernet:
    key = settings.CREDENTIALS_ENCRYPTION_KEY
    if not key:
        raise CredentialsError(
            "CREDENTIALS_ENCRYPTION_KEY is not set: refusing to store API credentials unencrypted. Generate one "
            "with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    try:
        return Fernet(key.encode())
    except ValueError:
        raise CredentialsError("CREDENTIALS_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes)") \
            from None


def access_id_mask(access_id: str) -> str:
    """``ABCD****WXYZ`` for long ids; ``****`` for short ones (never the whole id)."""
    if len(access_id) <= MASK_VISIBLE_CHARS * 2:
        return MASK
    return f"{access_id[:MASK_VISIBLE_CHARS]}{MASK}{access_id[-MASK_VISIBLE_CHARS:]}"


def _environment_pair(venue: Venue) -> tuple[str, str]:
    if venue == Venue.BINANCE:
        return settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET
    return settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY


def venue_base_url(*, venue: str = Venue.COINEX) -> str:
    """The configured API base URL of ``venue``."""
    return settings.BINANCE_FUTURES_BASE_URL if venue_parse(venue) == Venue.BINANCE else settings.COINEX_BASE_URL


@transaction.atomic
def credentials_store(*, access_id: str, secret_key: str, venue: str = Venue.COINEX) -> None:
    """Encrypt and store runtime credentials of ``venue`` (replacing any stored ones).

    Raises ``CredentialsError`` without an encryption key or with an empty value. The
    environment's credentials, when set, still take precedence.
    """
    access_id, secret_key = access_id.strip(), secret_key.strip()
    if not access_id or not secret_key:
        raise CredentialsError("both the access id and the secret key are required")
    secret_register(secret_key)
    secret_register(access_id)
    fernet = _fernet()
    venue = venue_parse(venue)
    StoredCredentials.objects.update_or_create(
        venue=venue.value,
        defaults={
            "access_id_encrypted": fernet.encrypt(access_id.encode()).decode(),
            "secret_key_encrypted": fernet.encrypt(secret_key.encode()).decode(),
        },
    )
    logger.info("%s API credentials stored (encrypted)", VENUE_NAMES[venue], extra={"category": Category.API})


def credentials_clear(*, venue: str = Venue.COINEX) -> bool:
    """Delete the stored credentials of ``venue``; True when there were some."""
    deleted, _ = StoredCredentials.objects.filter(venue=venue_parse(venue).value).delete()
    return bool(deleted)


def credentials_resolve(*, venue: str = Venue.COINEX) -> ResolvedCredentials | None:
    """The credentials of ``venue`` in force: environment first, then the stored ones; ``None`` if neither.

    Raises ``CredentialsError`` when stored credentials cannot be decrypted (key changed).
    """
    venue = venue_parse(venue)
    env_id, env_secret = _environment_pair(venue)
    if env_id and env_secret:
        secret_register(env_secret)
        return ResolvedCredentials(ApiCredentials(env_id, env_secret), CredentialsSource.ENVIRONMENT)
    stored = StoredCredentials.objects.filter(venue=venue.value).first()
    if stored is None:
        return None
    fernet = _fernet()
    try:
        access_id = fernet.decrypt(stored.access_id_encrypted.encode()).decode()
        secret_key = fernet.decrypt(stored.secret_key_encrypted.encode()).decode()
    except InvalidToken:
        raise CredentialsError("stored credentials cannot be decrypted with the current CREDENTIALS_ENCRYPTION_KEY") \
            from None
    secret_register(secret_key)
    secret_register(access_id)
    return ResolvedCredentials(ApiCredentials(access_id, secret_key), CredentialsSource.DATABASE)


def credentials_summary(*, venue: str = Venue.COINEX) -> dict[str, object]:
    """What an operator may see of ``venue``'s credentials: configured or not, the source, the
    masked access id, the base URL and whether runtime credentials can be stored. Never the secret."""
    try:
        resolved = credentials_resolve(venue=venue)
        error = None
    except CredentialsError as failure:
        resolved, error = None, str(failure)
    return {
        "configured": resolved is not None,
        "source": str(resolved.source if resolved else CredentialsSource.NONE),
        "access_id_masked": access_id_mask(resolved.credentials.access_id) if resolved else None,
        "base_url": venue_base_url(venue=venue),
        "venue": str(venue_parse(venue)),
        "can_store": bool(settings.CREDENTIALS_ENCRYPTION_KEY),
        "error": error,
    }


class ConnectionStatus(StrEnum):
    OK = "ok"
    AUTH_FAILED = "auth_failed"
    UNREACHABLE = "unreachable"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class ConnectionTestResult:
    status: ConnectionStatus
    message: str


def connection_test(*, base_url: str | None = None, venue: str = Venue.COINEX) -> ConnectionTestResult:
    """Call ``venue``'s balance endpoint with the credentials in force and report ok, auth failed
    or unreachable with the exchange's message (``not_configured`` without credentials)."""
    venue = venue_parse(venue)
    try:
        resolved = credentials_resolve(venue=venue)
    except CredentialsError as error:
        return ConnectionTestResult(ConnectionStatus.NOT_CONFIGURED, str(error))
    if resolved is None:
        return ConnectionTestResult(ConnectionStatus.NOT_CONFIGURED,
                                    f"no {VENUE_NAMES[venue]} API credentials are configured")
    url = base_url or venue_base_url(venue=venue)
    client: CoinExClient | BinanceUsdmClient
    try:
        if venue == Venue.BINANCE:
            client = BinanceUsdmClient.create(base_url=url, credentials=resolved.credentials,
                                              timeout_s=CONNECTION_TEST_TIMEOUT_S)
        else:
            client = CoinExClient.create(base_url=url, credentials=resolved.credentials,
                                         timeout_s=CONNECTION_TEST_TIMEOUT_S)
    except ExchangeAuthError as error:
        return ConnectionTestResult(ConnectionStatus.AUTH_FAILED, error.message)
    try:
        balance = client.balance()
    except ExchangeAuthError as error:
        return ConnectionTestResult(ConnectionStatus.AUTH_FAILED, error.message)
    except ExchangeTemporaryError as error:
        return ConnectionTestResult(ConnectionStatus.UNREACHABLE, error.message)
    except ExchangeError as error:
        return ConnectionTestResult(ConnectionStatus.UNREACHABLE, error.message)
    finally:
        client.close()
    return ConnectionTestResult(ConnectionStatus.OK, f"connected; equity {balance.equity:f} {balance.asset}")
