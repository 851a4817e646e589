"""Credentials: environment first, encrypted at rest, masked when shown, never logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings

from coinex.credentials import (
    ConnectionStatus,
    CredentialsError,
    CredentialsSource,
    access_id_mask,
    connection_test,
    credentials_clear,
    credentials_resolve,
    credentials_store,
    credentials_summary,
)
from coinex.models import StoredCredentials
from coinex.tests.conftest import ACCESS_ID, SECRET_KEY
from config.logging import LOG_FILE_NAME

pytestmark = pytest.mark.django_db


@pytest.fixture
def encryption_key(settings) -> str:
    key = Fernet.generate_key().decode()
    settings.CREDENTIALS_ENCRYPTION_KEY = key
    settings.COINEX_ACCESS_ID = ""
    settings.COINEX_SECRET_KEY = ""
    return key


def test_storing_without_a_key_is_refused(settings):
    settings.CREDENTIALS_ENCRYPTION_KEY = ""
    with pytest.raises(CredentialsError, match="refusing"):
        credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    assert not StoredCredentials.objects.exists()


def test_stored_credentials_are_encrypted_at_rest(encryption_key):
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    row = StoredCredentials.objects.get()
    assert SECRET_KEY not in row.secret_key_encrypted and ACCESS_ID not in row.access_id_encrypted
    resolved = credentials_resolve()
    assert resolved.source == CredentialsSource.DATABASE
    assert (resolved.credentials.access_id, resolved.credentials.secret_key) == (ACCESS_ID, SECRET_KEY)


def test_a_changed_key_cannot_read_them(encryption_key, settings):
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    settings.CREDENTIALS_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(CredentialsError, match="cannot be decrypted"):
        credentials_resolve()
    assert credentials_summary()["configured"] is False


def test_the_environment_takes_precedence(encryption_key, settings):
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = "ENVACCESSID12345", "env-secret-value-123"
    resolved = credentials_resolve()
    assert resolved.source == CredentialsSource.ENVIRONMENT and resolved.credentials.access_id == "ENVACCESSID12345"


def test_nothing_configured(encryption_key):
    assert credentials_resolve() is None
    assert credentials_summary()["configured"] is False
    assert connection_test().status == ConnectionStatus.NOT_CONFIGURED


def test_empty_values_are_refused(encryption_key):
    with pytest.raises(CredentialsError):
        credentials_store(access_id=" ", secret_key=SECRET_KEY)


def test_clear(encryption_key):
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    assert credentials_clear() is True and credentials_resolve() is None


def test_the_summary_masks_the_access_id_and_never_shows_the_secret(encryption_key):
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    summary = credentials_summary()
    assert summary["access_id_masked"] == "SAND****CDEF"
    assert summary["source"] == "database" and summary["can_store"] is True
    text = repr(summary) + repr(credentials_resolve())
    assert ACCESS_ID not in text and SECRET_KEY not in text
    assert access_id_mask("short") == "****"


def test_connection_test_ok(encryption_key, sandbox):
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    result = connection_test(base_url=sandbox.server.base_url)
    assert result.status == ConnectionStatus.OK and "10000" in result.message


def test_connection_test_auth_failed_with_the_exchange_message(encryption_key, sandbox):
    credentials_store(access_id=ACCESS_ID, secret_key="a-wrong-secret-key")
    result = connection_test(base_url=sandbox.server.base_url)
    assert result.status == ConnectionStatus.AUTH_FAILED
    assert result.message == "Signature verification failed"


def test_connection_test_unreachable(encryption_key):
    from config.testing import closed_port

    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    result = connection_test(base_url=f"http://127.0.0.1:{closed_port()}/v2")
    assert result.status == ConnectionStatus.UNREACHABLE and "unreachable" in result.message


def _log_file() -> Path:
    return Path(django_settings.LOG_DIR) / LOG_FILE_NAME


def test_secrets_never_reach_the_log(encryption_key, sandbox):
    log_file = _log_file()
    start = log_file.stat().st_size if log_file.exists() else 0
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    connection_test(base_url=sandbox.server.base_url)
    credentials_store(access_id=ACCESS_ID, secret_key="another-wrong-secret-key")
    connection_test(base_url=sandbox.server.base_url)
    resolved = credentials_resolve()
    logger = logging.getLogger("coinex.tests")
    # Even a careless caller who logs the values themselves gets them masked.
    logger.warning("careless: secret=%s id=%s creds=%r raw %s", SECRET_KEY, ACCESS_ID, resolved,
                   "another-wrong-secret-key")
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = log_file.read_text()[start:]
    assert "CoinEx API credentials stored" in written and "careless" in written
    for secret in (SECRET_KEY, "another-wrong-secret-key", ACCESS_ID, encryption_key):
        assert secret not in written
