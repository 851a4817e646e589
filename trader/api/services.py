"""Writes the API needs beyond the trader's own services: audited credentials, the control
actions of the dashboard's control route, and re-arming the kill switch at the current equity.

Each composes existing services (no second implementation of a rule); each is audited.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import transaction

from coinex.credentials import access_id_mask, credentials_clear, credentials_store
from coinex.venue import venue_parse
from trader.models import TraderMode, TraderStatus
from trader.services.actor import Actor
from trader.services.audit import audit_record
from trader.services.control import emergency_stop
from trader.services.status import (
    ControlRefused,
    kill_switch_rearm,
    lock_clear,
    status_get,
    trader_enabled_set,
    trader_mode_set,
)


class ControlAction(StrEnum):
    """The control-suite actions (``POST /api/trader/control``)."""

    START = "start"
    STOP = "stop"
    PAUSE = "pause"
    EMERGENCY_STOP = "emergency-stop"
    CLEAR_LOCKFILE = "clear-lockfile"


@transaction.atomic
def credentials_update(*, access_id: str, secret_key: str, actor: Actor, venue: str = "coinex") -> None:
    """Store new credentials of ``venue`` (encrypted) and audit it with the masked access id only.

    Raises ``CredentialsError`` without an encryption key or with an empty value.
    """
    venue = venue_parse(venue).value
    credentials_store(access_id=access_id, secret_key=secret_key, venue=venue)
    audit_record(actor=actor, action="credentials.store", field="access_id", new=access_id_mask(access_id.strip()),
                 detail=f"venue {venue}")


@transaction.atomic
def credentials_remove(*, actor: Actor, venue: str = "coinex") -> bool:
    """Delete the stored credentials of ``venue`` (environment ones are untouched); audited when
    there were some. True when there were some."""
    venue = venue_parse(venue).value
    removed = credentials_clear(venue=venue)
    if removed:
        audit_record(actor=actor, action="credentials.clear", field="access_id", detail=f"venue {venue}")
    return removed


def kill_switch_rearm_at(*, actor: Actor, equity: Decimal | None = None) -> TraderStatus:
    """Re-arm a latched kill switch at the equity the active book's exchange reports now.

    ``equity`` is a cross-check only (refused unless positive and close to the exchange's
    figure); ``ControlRefused`` when paused, ``ExchangeError`` when the exchange is unreachable.
    """
    return kill_switch_rearm(actor=actor, equity=equity)


def trader_control(
    *, action: ControlAction, actor: Actor, mode: str | None = None, confirm_live: bool = False,
    open_positions: str | None = None,
) -> dict[str, Any]:
    """Run one control-suite action through the trader's services.

    ``start``: switch to ``mode`` when given (live needs ``confirm_live``; another book's open
    positions need ``open_positions``: close or leave), then enable;
    ``stop``: disable (positions stay open); ``pause``: mode paused; ``emergency-stop``:
    lock and close everything; ``clear-lockfile``: clear the lock. Returns the close
    outcomes for an emergency stop, else an empty dict. Refusals raise ``ControlRefused``
    and change nothing.
    """
    if action == ControlAction.START:
        status = status_get()
        if status.is_locked:  # refused before the mode changes (a switch may close positions: no rollback)
            raise ControlRefused(f"the trader is locked ({status.get_lock_kind_display()}: {status.lock_reason}); "
                                 "clear the lock first")
        if mode:
            trader_mode_set(mode=mode, actor=actor, confirm_live=confirm_live, open_positions=open_positions)
        trader_enabled_set(enabled=True, actor=actor)
    elif action == ControlAction.STOP:
        trader_enabled_set(enabled=False, actor=actor)
    elif action == ControlAction.PAUSE:
        trader_mode_set(mode=TraderMode.PAUSED, actor=actor)
    elif action == ControlAction.EMERGENCY_STOP:
        return {"outcomes": [outcome.as_dict() for outcome in emergency_stop(actor=actor)]}
    elif action == ControlAction.CLEAR_LOCKFILE:
        lock_clear(actor=actor)
    return {}
