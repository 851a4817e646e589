"""Mode, on/off and locks: the trader's control state, changed only through here.

Safety rules (DESIGN.md "Trading modes and safety"):
- a new install is paused; only an authenticated user can raise the risk (dry-run, live);
- live needs credentials and an explicit confirmation, and is refused with the reason;
- the bot itself may only lower the risk: trip a lock, pause;
- the kill switch latches until a user re-arms it; other locks need an explicit clear.
Every change is audited and announced on the bus.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.logging import Category
from trader.models import AuditEntry, LockKind, TraderMode, TraderStatus
from trader.services.actor import Actor
from trader.services.audit import audit_record

logger = logging.getLogger(__name__)

STATUS_PK = 1
LOCKFILE_NAME = "live-trader-lock.json"
# A stronger lock replaces a weaker one; never the other way round.
LOCK_PRIORITY = {LockKind.NONE: 0, LockKind.CIRCUIT_BREAKER: 1, LockKind.KILL_SWITCH: 2, LockKind.EMERGENCY_STOP: 3}


class ControlRefused(Exception):
    """The requested change conflicts with the trader's state or the safety rules."""


def status_get() -> TraderStatus:
    """The status row, created (paused, unlocked) on first use."""
    status, _ = TraderStatus.objects.get_or_create(pk=STATUS_PK)
    return status


def _status_for_update() -> TraderStatus:
    return TraderStatus.objects.select_for_update().get_or_create(pk=STATUS_PK)[0]


def _credentials_configured() -> bool:
    """True when usable CoinEx credentials are in force (environment or stored, decryptable)."""
    from coinex.credentials import CredentialsError, credentials_resolve

    try:
        return credentials_resolve() is not None
    except CredentialsError:
        return False


@transaction.atomic
def trader_mode_set(
    *,
    mode: str,
    actor: Actor,
    confirm_live: bool = False,
    credentials_check: Callable[[], bool] = _credentials_configured,
) -> TraderStatus:
    """Switch the trading mode; raises ``ControlRefused`` with the reason when not allowed.

    ``live`` requires an authenticated actor, ``confirm_live=True`` and configured CoinEx
    credentials. ``dry-run`` requires an authenticated actor. ``paused`` is always allowed.
    """
    if mode not in TraderMode.values:
        raise ControlRefused(f"unknown mode {mode!r}; choose one of {', '.join(TraderMode.values)}")
    if mode != TraderMode.PAUSED and not actor.authenticated:
        raise ControlRefused(f"only an authenticated user can switch to {mode}")
    if mode == TraderMode.LIVE:
        if not confirm_live:
            raise ControlRefused("switching to live trading needs an explicit confirmation")
        if not credentials_check():
            raise ControlRefused(
                "live trading needs CoinEx credentials: set them on the settings page or in the environment"
            )
    status = _status_for_update()
    if status.mode == mode:
        return status
    previous = status.mode
    status.mode = mode
    if previous == TraderMode.PAUSED:
        status.started_at = timezone.now()
    status.save()
    audit_record(actor=actor, action="mode.set", field="mode", old=previous, new=mode)
    logger.warning("trading mode %s -> %s by %s", previous, mode, actor.described, extra={"category": Category.TRADE})
    _announce_after_commit()
    return status


def trader_mode_first_run(*, mode: str, actor: Actor) -> TraderStatus | None:
    """Set ``mode`` only if no one has ever chosen a mode (a fresh install); never ``live``.

    The demo (``make demo``) starts a fresh install in dry-run so the bot trades on paper at
    once; an operator's own choice, even ``paused``, is never overridden.
    """
    if mode == TraderMode.LIVE:
        raise ControlRefused("live is never set automatically")
    if AuditEntry.objects.filter(action="mode.set").exists():
        return None
    return trader_mode_set(mode=mode, actor=actor)


@transaction.atomic
def trader_enabled_set(*, enabled: bool, actor: Actor) -> TraderStatus:
    """Turn order placement on or off (off keeps positions and keeps scanning).

    Enabling while locked is refused: the lock has to be cleared first.
    """
    status = _status_for_update()
    if enabled and status.is_locked:
        lock = f"{status.get_lock_kind_display()}: {status.lock_reason}"
        raise ControlRefused(f"the trader is locked ({lock}); clear the lock first")
    if enabled and not actor.authenticated:
        raise ControlRefused("only an authenticated user can enable trading")
    if status.enabled == enabled:
        return status
    status.enabled = enabled
    status.save()
    audit_record(actor=actor, action="status.enable" if enabled else "status.disable", field="enabled",
                 old=not enabled, new=enabled)
    _announce_after_commit()
    return status


@transaction.atomic
def lock_trip(*, kind: LockKind, reason: str, actor: Actor | None = None) -> TraderStatus:
    """Lock the trader (no new positions) unless a stronger lock already holds.

    Mirrors the lock to the lockfile when one is configured and announces it.
    """
    actor = actor or Actor.system()
    status = _status_for_update()
    if LOCK_PRIORITY[LockKind(status.lock_kind)] >= LOCK_PRIORITY[kind]:
        return status
    previous = status.lock_kind
    status.lock_kind = kind
    status.lock_reason = reason
    status.locked_at = timezone.now()
    status.save()
    audit_record(actor=actor, action="lock.trip", field="lock_kind", old=previous, new=str(kind), detail=reason)
    logger.error("trader locked (%s): %s", kind.label, reason, extra={"category": Category.TRADE})
    transaction.on_commit(lambda: lockfile_sync(status=status))
    _announce_after_commit()
    return status


@transaction.atomic
def lock_clear(*, actor: Actor) -> TraderStatus:
    """Clear a circuit-breaker or emergency-stop lock (the kill switch needs a re-arm)."""
    if not actor.authenticated:
        raise ControlRefused("only an authenticated user can clear a lock")
    status = _status_for_update()
    if not status.is_locked:
        transaction.on_commit(lambda: lockfile_sync(status=status))
        return status
    if status.lock_kind == LockKind.KILL_SWITCH:
        raise ControlRefused("the kill switch is latched: re-arm it (that also resets the drawdown reference)")
    return _unlock(status, actor=actor, action="lock.clear")


@transaction.atomic
def kill_switch_rearm(*, actor: Actor, equity: Decimal | None) -> TraderStatus:
    """Re-arm a latched kill switch; the drawdown is measured from ``equity`` from now on."""
    if not actor.authenticated:
        raise ControlRefused("only an authenticated user can re-arm the kill switch")
    status = _status_for_update()
    if status.lock_kind != LockKind.KILL_SWITCH:
        raise ControlRefused("the kill switch is not latched")
    if equity is not None:
        audit_record(actor=actor, action="kill_switch.rebase", field="starting_balance",
                     old=status.starting_balance, new=equity)
        status.starting_balance = equity
        status.equity_peak = equity
    return _unlock(status, actor=actor, action="kill_switch.rearm")


def _unlock(status: TraderStatus, *, actor: Actor, action: str) -> TraderStatus:
    previous, reason = status.lock_kind, status.lock_reason
    status.lock_kind = LockKind.NONE
    status.lock_reason = ""
    status.locked_at = None
    status.consecutive_failures = 0
    status.save()
    audit_record(actor=actor, action=action, field="lock_kind", old=previous, new="", detail=reason)
    logger.warning("trader lock (%s) cleared by %s", previous, actor.described, extra={"category": Category.TRADE})
    transaction.on_commit(lambda: lockfile_sync(status=status))
    _announce_after_commit()
    return status


def lockfile_path() -> Path | None:
    """Where the lock is mirrored for the old tooling (``TRADER_LOCKFILE_DIR``), if anywhere."""
    directory = getattr(settings, "TRADER_LOCKFILE_DIR", None)
    return Path(directory) / LOCKFILE_NAME if directory else None


def lockfile_sync(*, status: TraderStatus) -> None:
    """Write ``live-trader-lock.json`` while locked; remove it when unlocked."""
    path = lockfile_path()
    if path is None:
        return
    if status.is_locked:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "locked": True,
            "reason": status.lock_reason,
            "kind": status.lock_kind,
            "locked_at": status.locked_at.isoformat() if status.locked_at else None,
        }
        path.write_text(json.dumps(payload, indent=2))
    else:
        path.unlink(missing_ok=True)


def _announce_after_commit() -> None:
    from trader.services.announce import trader_status_announce

    transaction.on_commit(trader_status_announce)
