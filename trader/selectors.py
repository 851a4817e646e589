"""Reads of the trader's state, shaped for the bus, the API and the pages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from trader.models import AuditEntry, TraderMode, TraderStatus


def status_as_dict(status: TraderStatus) -> dict[str, Any]:
    """The status as published on ``state:trader:status`` and served by the API."""
    uptime_s = None
    if status.mode != TraderMode.PAUSED and status.started_at:
        uptime_s = int((timezone.now() - status.started_at).total_seconds())
    return {
        "mode": status.mode,
        "enabled": status.enabled,
        "state": "locked" if status.is_locked else ("enabled" if status.enabled else "disabled"),
        "locked": status.is_locked,
        "lock": {
            "kind": status.lock_kind or None,
            "reason": status.lock_reason or None,
            "locked_at": status.locked_at.isoformat() if status.locked_at else None,
        },
        "started_at": status.started_at.isoformat() if status.started_at else None,
        "uptime_s": uptime_s,
        "last_cycle_at": status.last_cycle_at.isoformat() if status.last_cycle_at else None,
        "last_trade_at": status.last_trade_at.isoformat() if status.last_trade_at else None,
        "starting_balance": str(status.starting_balance) if status.starting_balance is not None else None,
        "equity_peak": str(status.equity_peak) if status.equity_peak is not None else None,
        "consecutive_failures": status.consecutive_failures,
    }


def config_history(*, limit: int = 100) -> list[AuditEntry]:
    """The latest config changes, newest first."""
    return list(AuditEntry.objects.filter(action="config.update").order_by("-at", "-id")[:limit])
