"""The server-side error log ring buffer (last 200 entries) the dashboard's error panel shows.

A logging handler installed in every process (web, worker, beat) by the dashboard app
turns each ERROR-or-worse record into ``{timestamp, category, message}`` with a seed
category (API_ERROR, SCAN_ERROR, WS_ERROR, POSITION_ERROR), pushes it onto the Redis
list ``dashboard:errors`` trimmed to 200 (shared by all processes, survives a restart
of any of them) and announces it live as an ``error.entry`` push. Best effort, like the
rest of the bus: with Redis down nothing is recorded and nothing is retried.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import Any

import redis

from config.bus.client import outage, redis_client
from config.bus.schema import DASHBOARD_ERRORS_MAX, KEY_DASHBOARD_ERRORS
from config.logging import CategoryFilter, SecretRedactionFilter

POSITION_WORDS = ("position", "order", "close", "open ", "tp", "sl", "stop", "leverage", "margin")
# Loggers never recorded: the bus's own outage messages (Redis is what failed) and this module.
IGNORED_LOGGER_PREFIXES = ("config.bus", __name__)


def error_category(*, category: str, logger_name: str, message: str) -> str:
    """The seed category of a log record: SCAN -> SCAN_ERROR; TRADE -> POSITION_ERROR when it is
    about a position or an order, else API_ERROR; the live socket's -> WS_ERROR; the rest API_ERROR."""
    if logger_name.startswith(("dashboard.consumers", "channels", "daphne", "uvicorn.error")):
        return "WS_ERROR"
    if category == "SCAN":
        return "SCAN_ERROR"
    if category == "TRADE" and any(word in message.lower() for word in POSITION_WORDS):
        return "POSITION_ERROR"
    return "API_ERROR"


def error_ring_append(entry: dict[str, Any]) -> bool:
    """Push ``entry`` onto the ring (newest first, 200 kept); False when Redis is unreachable."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.lpush(KEY_DASHBOARD_ERRORS, json.dumps(entry))
        pipe.ltrim(KEY_DASHBOARD_ERRORS, 0, DASHBOARD_ERRORS_MAX - 1)
        pipe.execute()
    except (redis.RedisError, OSError):
        return False
    return True


def error_ring_read(*, limit: int = DASHBOARD_ERRORS_MAX) -> list[dict[str, Any]] | None:
    """The ring's entries, newest first; None when Redis is unreachable (callers fall back)."""
    try:
        raw = redis_client().lrange(KEY_DASHBOARD_ERRORS, 0, limit - 1)
    except (redis.RedisError, OSError):
        return None
    entries = []
    for item in raw:
        try:
            entries.append(json.loads(item))
        except ValueError:
            continue
    return entries


class ErrorRingHandler(logging.Handler):
    """Records ERROR-or-worse log records in the ring and pushes each to the pages."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.addFilter(CategoryFilter())
        self.addFilter(SecretRedactionFilter())
        self._local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(IGNORED_LOGGER_PREFIXES) or outage.down or getattr(self._local, "busy", False):
            return
        self._local.busy = True  # a failure below must never log its way back in here
        try:
            message = record.getMessage()
            entry = {
                "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
                "category": error_category(category=str(getattr(record, "category", "")), logger_name=record.name,
                                           message=message),
                "message": message[:1000],
            }
            if error_ring_append(entry):
                _push(entry)
        except Exception:  # noqa: BLE001, S110 - logging must never break the caller
            pass
        finally:
            self._local.busy = False


def _push(entry: dict[str, Any]) -> None:
    """Announce ``entry`` to the open pages; skipped inside an event loop (async_to_sync refuses)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        from config.bus.push import push_event
        from config.bus.schema import Event, Group

        push_event(group=Group.SYSTEM, event=Event.ERROR, payload={**entry, "recorded": True})


def error_log_install() -> None:
    """Attach the handler to the root logger once per process."""
    root = logging.getLogger()
    if not any(isinstance(handler, ErrorRingHandler) for handler in root.handlers):
        root.addHandler(ErrorRingHandler())
