"""Reading the JSON log (``LOG_DIR/trader.log`` and its rotated ``.1`` ``.2`` ``.3``), newest first.

Each line is one JSON record (config.logging): timestamp, level, category, logger,
message, and any metadata. Lines that are not JSON (a hand edit, a torn write) are
skipped, never fatal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from config.logging import LOG_FILE_BACKUP_COUNT, LOG_FILE_NAME

LEVELS = ("debug", "info", "warning", "error", "critical")
CATEGORIES = ("TRADE", "SCAN", "API", "SYSTEM")
_LEVEL_NUMBERS = {name: getattr(logging, name.upper()) for name in LEVELS}
_CORE_FIELDS = ("timestamp", "level", "category", "logger", "message")


def _log_files() -> list[Path]:
    """The current file first, then the rotated ones, oldest last."""
    directory = Path(settings.LOG_DIR)
    names = [LOG_FILE_NAME] + [f"{LOG_FILE_NAME}.{n}" for n in range(1, LOG_FILE_BACKUP_COUNT + 1)]
    return [directory / name for name in names if (directory / name).is_file()]


def _records_newest_first() -> Iterator[dict[str, Any]]:
    for path in _log_files():
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in reversed(lines):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def _timestamp(record: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(record.get("timestamp", "")))
    except ValueError:
        return None


def log_entry(record: dict[str, Any]) -> dict[str, Any]:
    """One record as the API shows it: the core fields and everything else as ``metadata``."""
    return {
        "timestamp": record.get("timestamp"),
        "level": str(record.get("level", "")).lower(),
        "category": record.get("category"),
        "logger": record.get("logger"),
        "message": record.get("message", ""),
        "metadata": {k: v for k, v in record.items() if k not in _CORE_FIELDS},
    }


def logs_recent(
    *, limit: int = 100, level: str | None = None, since: datetime | None = None, category: str | None = None,
) -> list[dict[str, Any]]:
    """The newest ``limit`` log records at ``level`` or above, from ``since`` on, of ``category``.

    ``level`` is a minimum (``warning`` includes errors); ``since`` an aware datetime.
    Newest first; an empty list when there is no log yet.
    """
    minimum = _LEVEL_NUMBERS[level] if level else 0
    entries: list[dict[str, Any]] = []
    for record in _records_newest_first():
        if minimum and _LEVEL_NUMBERS.get(str(record.get("level", "")).lower(), 0) < minimum:
            continue
        if category and record.get("category") != category:
            continue
        if since is not None:
            moment = _timestamp(record)
            if moment is None or moment.tzinfo is None:
                continue
            if moment < since:
                break  # the files are in time order: everything further back is older still
        entries.append(log_entry(record))
        if len(entries) >= limit:
            break
    return entries
