"""Logs: JSON records with the platform's fields, rotation, and no secret ever written."""

import io
import json
import logging
import logging.handlers

import pytest
from django.conf import settings

from config.logging import (
    LOG_FILE_BACKUP_COUNT,
    LOG_FILE_MAX_BYTES,
    CategoryFilter,
    SecretRedactionFilter,
    secret_register,
)


@pytest.fixture
def json_records():
    """Capture what the file handler would write, through the configured formatter and filters."""
    file_handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(file_handler.formatter)
    for log_filter in file_handler.filters:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_file_handler_rotates_at_10_mb_keeping_three(settings):
    file_handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler))
    assert file_handler.baseFilename == str(settings.LOG_DIR / "trader.log")
    assert (file_handler.maxBytes, file_handler.backupCount) == (LOG_FILE_MAX_BYTES, LOG_FILE_BACKUP_COUNT)
    assert (LOG_FILE_MAX_BYTES, LOG_FILE_BACKUP_COUNT) == (10 * 1024 * 1024, 3)
    assert any(isinstance(f, SecretRedactionFilter) for f in file_handler.filters)
    assert any(isinstance(f, CategoryFilter) for f in file_handler.filters)


def test_record_is_json_with_timestamp_level_category_message_and_metadata(json_records):
    logging.getLogger("trader.cycle").info("opened %s", "BTCUSDT", extra={"category": "TRADE", "leverage": 5})
    record = json_records()[-1]
    assert record["level"] == "INFO"
    assert record["category"] == "TRADE"
    assert record["message"] == "opened BTCUSDT"
    assert record["leverage"] == 5
    assert record["timestamp"].endswith("+00:00")


@pytest.mark.parametrize(("logger_name", "category"), [
    ("ta.sources.binance", "SCAN"), ("trader.cycle", "TRADE"), ("dashboard.views", "API"), ("celery.worker", "SYSTEM"),
])
def test_category_defaults_from_the_app(json_records, logger_name, category):
    logging.getLogger(logger_name).warning("something")
    assert json_records()[-1]["category"] == category


def test_secrets_are_never_written(json_records):
    secret = "s3cr3t-V4lue-0123456789abcdef"
    secret_register(secret)
    log = logging.getLogger("coinex.client")
    log.error("request failed with secret_key=%s", "plain-secret-in-message")
    log.error("signed %s", f"X-COINEX-SIGN: deadbeefcafe and the value {secret}")
    log.error("db at postgres://app:hunter2pass@db:5432/trading")
    log.error("telegram https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage")
    log.error("metadata", extra={"api_secret": "meta-secret-value", "payload": {"password": "pw-in-dict", "n": 1}})
    try:
        raise RuntimeError(f"exchange said no to key {secret}")
    except RuntimeError:
        log.exception("with a traceback")
    written = json.dumps(json_records())
    leaks = (secret, "plain-secret-in-message", "deadbeefcafe", "hunter2pass", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
             "meta-secret-value", "pw-in-dict", settings.SECRET_KEY)
    for leaked in leaks:
        assert leaked not in written, leaked
    assert '"n": 1' in written  # metadata that is not secret stays
