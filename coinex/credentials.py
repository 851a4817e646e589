"""CoinEx API credentials: environment first, else stored encrypted at rest (Fernet).

- ``COINEX_ACCESS_ID`` + ``COINEX_SECRET_KEY`` in the environment take precedence.
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

from coinex.client import ApiCredentials, CoinExClient
from coinex.errors import ExchangeAuthError, ExchangeError, ExchangeTemporaryError
from coinex.models import StoredCredentials
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


@transaction.atomic
def credentials_store(*, access_id: str, secret_key: str) -> None:
    """Encrypt and store runtime credentials (replacing any stored ones).

    Raises ``CredentialsError`` without an encryption key or with an empty value. The
    environment's credentials, when set, still take precedence.
    """
    access_id, secret_key = access_id.strip(), secret_key.strip()
    if not access_id or not secret_key:
        raise CredentialsError("both the access id and the secret key are required")
    secret_register(secret_key)
    secret_register(access_id)
    fernet = _fernet()
    StoredCredentials.objects.update_or_create(
        slot=1,
        defaults={
            "access_id_encrypted": fernet.encrypt(access_id.encode()).decode(),
            "secret_key_encrypted": fernet.encrypt(secret_key.encode()).decode(),
        },
    )
    logger.info("CoinEx API credentials stored (encrypted)", extra={"category": Category.API})


def credentials_clear() -> bool:
    """Delete stored credentials; True when there were some."""
    deleted, _ = StoredCredentials.objects.all().delete()
    return bool(deleted)


def credentials_resolve() -> ResolvedCredentials | None:
    """The credentials in force: environment first, then the stored ones; ``None`` if neither.

    Raises ``CredentialsError`` when stored credentials cannot be decrypted (key changed).
    """
    env_id, env_secret = settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY
    if env_id and env_secret:
        secret_register(env_secret)
        return ResolvedCredentials(ApiCredentials(env_id, env_secret), CredentialsSource.ENVIRONMENT)
    stored = StoredCredentials.objects.filter(slot=1).first()
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


def credentials_summary() -> dict[str, object]:
    """What an operator may see: configured or not, the source, the masked access id, the base
    URL and whether runtime credentials can be stored. Never the secret."""
    try:
        resolved = credentials_resolve()
        error = None
    except CredentialsError as failure:
        resolved, error = None, str(failure)
    return {
        "configured": resolved is not None,
        "source": str(resolved.source if resolved else CredentialsSource.NONE),
        "access_id_masked": access_id_mask(resolved.credentials.access_id) if resolved else None,
        "base_url": settings.COINEX_BASE_URL,
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


def connection_test(*, base_url: str | None = None) -> ConnectionTestResult:
    """Call the balance endpoint with the credentials in force and report ok, auth failed or
    unreachable with the exchange's message (``not_configured`` without credentials)."""
    try:
        resolved = credentials_resolve()
    except CredentialsError as error:
        return ConnectionTestResult(ConnectionStatus.NOT_CONFIGURED, str(error))
    if resolved is None:
        return ConnectionTestResult(ConnectionStatus.NOT_CONFIGURED, "no CoinEx API credentials are configured")
    try:
        client = CoinExClient.create(base_url=base_url or settings.COINEX_BASE_URL,
                                     credentials=resolved.credentials, timeout_s=CONNECTION_TEST_TIMEOUT_S)
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
