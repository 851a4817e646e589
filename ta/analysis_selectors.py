"""Selectors (reads) of the latest TA analysis, from the database (works without Redis).

The trader and the dashboard read these; nobody recomputes scores. (Market-data reads
are in ``ta.selectors``.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Max

from ta.models import ScanResult, TAResult


def ta_result_latest(*, symbol: str) -> dict[str, Any] | None:
    """The latest seed-schema TA result of ``symbol``, or None when it has none."""
    return TAResult.objects.filter(symbol__symbol=symbol).values_list("payload", flat=True).first()


def ta_results_latest() -> dict[str, dict[str, Any]]:
    """Latest seed-schema TA result of every enabled symbol that has one, keyed by symbol."""
    rows = TAResult.objects.filter(symbol__enabled=True).values_list("symbol__symbol", "payload")
    return dict(rows)


def scan_results_latest() -> list[dict[str, Any]]:
    """Latest scan entry of every enabled symbol, in display order (``status`` says if it is usable)."""
    return list(ScanResult.objects.filter(symbol__enabled=True).values_list("payload", flat=True))


def ta_scan_last_at() -> datetime | None:
    """When any symbol was last analysed (``last_ta_scan`` in /health); None before the first scan."""
    return ScanResult.objects.aggregate(last=Max("computed_at"))["last"]
