"""Logging: JSON records to a rotating file, readable text (or JSON) on the console.

Every record carries a ``category`` (TRADE, SCAN, API, SYSTEM): given explicitly with
``logger.info("...", extra={"category": Category.TRADE})`` or derived from the logger's
app. Extra fields become the record's metadata. ``SecretRedactionFilter`` runs on every
handler, so no secret reaches a file or the console whatever a caller passes in.
"""

from __future__ import annotations

import logging
import logging.config
import re
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

LOG_FILE_NAME = "trader.log"
LOG_FILE_MAX_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUP_COUNT = 3
REDACTED = "***"


class Category(StrEnum):
    TRADE = "TRADE"
    SCAN = "SCAN"
    API = "API"
    SYSTEM = "SYSTEM"


# Logger-name prefix -> category when the caller gives none.
_CATEGORY_BY_LOGGER_PREFIX = (
    ("trader", Category.TRADE),
    ("coinex", Category.TRADE),
    ("ta", Category.SCAN),
    ("dashboard", Category.API),
    ("rest_framework", Category.API),
    ("django.request", Category.API),
)

# Attribute names a LogRecord always has; everything else on a record is metadata.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

_SECRET_NAME = re.compile(
    r"(secret|passw|token|api[_-]?key|access[_-]?id|authorization|signature|(?:^|_)sign$|credential)", re.I
)
# key=value, "key": "value" and header-like forms whose key names a secret.
_SECRET_ASSIGNMENT = re.compile(
    r"""(?P<key>["']?[\w-]*(?:secret|passw|token|api[_-]?key|access[_-]?id|authorization|x-coinex-sign|signature)[\w-]*["']?)"""
    r"""(?P<sep>\s*[:=]\s*)(?P<quote>["']?)(?P<value>(?:Bearer\s+)?[^\s"',;&}]+)""",
    re.I,
)
# user:password@ in URLs (database, Redis).
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s]+)(?P<at>@)", re.I)
# Telegram bot tokens look like 123456789:AA...; they travel inside URLs.
_TELEGRAM_TOKEN = re.compile(r"(?<!\d)\d{6,}:[A-Za-z0-9_-]{30,}")

_known_secrets: set[str] = set()
_known_secrets_lock = threading.Lock()


def secret_register(value: str | None) -> None:
    """Add a secret value (an API secret set at runtime, say) to the redaction list."""
    if value and len(value) >= 6:
        with _known_secrets_lock:
            _known_secrets.add(value)


def redact_text(text: str) -> str:
    """``text`` with every known secret value and every secret-looking assignment masked."""
    with _known_secrets_lock:
        secrets = sorted(_known_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{REDACTED}{m['at']}", text)
    text = _SECRET_ASSIGNMENT.sub(lambda m: f"{m['key']}{m['sep']}{m['quote']}{REDACTED}", text)
    return _TELEGRAM_TOKEN.sub(REDACTED, text)


def redact_value(value: Any, *, key: str = "") -> Any:
    """A copy of ``value`` with secrets masked; values under a secret-named key are masked whole."""
    if key and _SECRET_NAME.search(key) and value not in (None, "", False):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


class CategoryFilter(logging.Filter):
    """Give each record a ``category``: the caller's, else one derived from the logger name."""

    def filter(self, record: logging.LogRecord) -> bool:
        category = getattr(record, "category", None)
        if category is None:
            category = Category.SYSTEM
            for prefix, mapped in _CATEGORY_BY_LOGGER_PREFIX:
                if record.name == prefix or record.name.startswith(prefix + "."):
                    category = mapped
                    break
        record.category = str(category)
        return True


class SecretRedactionFilter(logging.Filter):
    """Mask secrets in the message, its arguments, the traceback text and the metadata."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
            record.exc_info = None
        for name, value in list(vars(record).items()):
            if name not in _RECORD_ATTRIBUTES and name != "category":
                setattr(record, name, redact_value(value, key=name))
        return True


class TextFormatter(logging.Formatter):
    """``2026-01-01T00:00:00Z INFO  TRADE trader.cycle: message key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        from datetime import UTC, datetime

        timestamp = datetime.fromtimestamp(record.created, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        metadata = {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES and k != "category"}
        extra = " ".join(f"{k}={v}" for k, v in metadata.items())
        category = getattr(record, "category", "-")
        line = f"{timestamp} {record.levelname:<7} {category:<6} {record.name}: {record.getMessage()}"
        if extra:
            line += f"  {extra}"
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


def json_formatter_config() -> dict[str, Any]:
    """dictConfig entry for python-json-logger with the platform's field names."""
    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(category)s %(name)s %(message)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": True,  # ISO 8601 in UTC from the record's creation time
        "json_ensure_ascii": False,
    }


def configure_logging(*, log_dir: Path, level: str, console_format: str) -> None:
    """Install the handlers: rotating JSON file ``log_dir/trader.log`` and the console."""
    log_dir.mkdir(parents=True, exist_ok=True)
    filters = ["category", "redact"]
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {
                "category": {"()": CategoryFilter},
                "redact": {"()": SecretRedactionFilter},
            },
            "formatters": {
                "json": json_formatter_config(),
                "text": {"()": TextFormatter},
            },
            "handlers": {
                "file": {
                    "class": "logging.handlers.RotatingFileHandler",
                    "filename": str(log_dir / LOG_FILE_NAME),
                    "maxBytes": LOG_FILE_MAX_BYTES,
                    "backupCount": LOG_FILE_BACKUP_COUNT,
                    "encoding": "utf-8",
                    "formatter": "json",
                    "filters": filters,
                },
                "console": {
                    "class": "logging.StreamHandler",
                    "formatter": "json" if console_format == "json" else "text",
                    "filters": filters,
                },
            },
            "root": {"level": level, "handlers": ["console", "file"]},
            "loggers": {
                "django.db.backends": {"level": "WARNING"},
                "httpx": {"level": "WARNING"},
                "httpcore": {"level": "WARNING"},
                "asyncio": {"level": "WARNING"},
                "numba": {"level": "WARNING"},
                # Celery logs every task received/succeeded with its full arguments: noise at INFO.
                "celery.worker.strategy": {"level": "WARNING"},
                "celery.app.trace": {"level": "WARNING"},
                # "N of M channels over capacity in group G": live messages channels-redis dropped
                # (the pages resync on the gap); kept visible whatever the root level.
                "channels_redis.core": {"level": "INFO"},
            },
        }
    )
