"""Signal history: when each coin's long/short signal first appeared and whether it went stale.

A signal is active while its base score is at or above the trader's threshold for that
side. It is stale when it has been active for more than 30 minutes without its score
moving by more than 5 points (seed upgrades-v2 "Signal history").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from dashboard.models import SignalDirection, SignalHistory

STALE_AFTER_S = 30 * 60
STALE_SCORE_CHANGE_POINTS = 5


@transaction.atomic
def signal_history_record(
    *, symbol: str, long_score: int, short_score: int, long_threshold: int, short_threshold: int, at: datetime
) -> None:
    """Update ``symbol``'s long and short signal rows from one scan at ``at``.

    A side at or above its threshold becomes (or stays) active: first seen when it
    appeared, the anchor moved when the score changed by more than 5 points. A side
    below its threshold is marked inactive (its row is reused when it reappears).
    """
    sides = (
        (SignalDirection.LONG, long_score, long_threshold),
        (SignalDirection.SHORT, short_score, short_threshold),
    )
    rows = {row.direction: row for row in SignalHistory.objects.select_for_update().filter(symbol=symbol)}
    for direction, score, threshold in sides:
        row = rows.get(direction)
        if score < threshold:
            if row is not None and row.active:
                row.active = False
                row.save(update_fields=["active"])
            continue
        if row is None or not row.active:
            SignalHistory.objects.update_or_create(
                symbol=symbol, direction=direction,
                defaults={"active": True, "score": score, "first_seen": at, "last_seen": at,
                          "anchor_score": score, "anchor_at": at},
            )
            continue
        row.score, row.last_seen = score, at
        if abs(score - row.anchor_score) > STALE_SCORE_CHANGE_POINTS:
            row.anchor_score, row.anchor_at = score, at
        row.save()


def signal_is_stale(row: SignalHistory, *, now: datetime) -> bool:
    """True when ``row`` is active and its score has not moved by more than 5 points for 30 minutes."""
    return row.active and now - row.anchor_at > timedelta(seconds=STALE_AFTER_S)


def signal_history_payload(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Active signals as the seed's ``{symbol, direction, score, firstSeen, lastSeen, stale}``
    plus ``ageSeconds`` (since first seen), oldest first."""
    now = now or timezone.now()
    rows = SignalHistory.objects.filter(active=True).order_by("first_seen", "symbol")
    return [
        {
            "symbol": row.symbol,
            "direction": row.direction,
            "score": row.score,
            "firstSeen": row.first_seen.isoformat(),
            "lastSeen": row.last_seen.isoformat(),
            "stale": signal_is_stale(row, now=now),
            "ageSeconds": int((now - row.first_seen).total_seconds()),
        }
        for row in rows
    ]
