"""Cycles a dead worker left behind: found by the next cycle, marked failed with the reason, alerted.

A cycle record is created ``running`` and finished ``ok`` or ``failed`` by its own worker.
A worker that dies mid-cycle (SIGKILL, OOM, a lost host) leaves it running with no finish
time; its lease then expires within ``TRADER_CYCLE_LEASE_S`` (no heartbeat renews it), and
the next cycle takes the lease and calls :func:`cycles_abandoned_fail` before anything
else. That next cycle comes within 15 s of the expiry, not a scan interval later: beat
runs :func:`cycle_recover_if_abandoned` that often (one query while all is well). What the
dead cycle sent to the exchange is recovered by reconciliation (pending order intents
looked up by client id, protective orders re-placed by the watchdog).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from trader.models import CycleLog, CycleOutcome, TraderStatus
from trader.services.alerts import AlertKind, alert_send


def cycles_abandoned_fail(*, current_cycle_id: int) -> list[str]:
    """Mark every unfinished cycle other than ``current_cycle_id`` failed; alert each; return the actions.

    Call only while holding the cycle lease: then no other cycle can be running, so every
    other record without a finish time was abandoned. Its finish time becomes its last sign
    of life (``heartbeat_at``, or its start when it died before the first heartbeat).
    """
    actions = []
    for log in CycleLog.objects.filter(finished_at__isnull=True).exclude(pk=current_cycle_id):
        last_seen = log.heartbeat_at or log.started_at
        reason = (f"abandoned: the cycle did not finish (its worker stopped); last sign of life "
                  f"{last_seen:%Y-%m-%d %H:%M:%S} UTC; found by cycle {current_cycle_id}")
        duration_ms = max(0, int((last_seen - log.started_at).total_seconds() * 1000))
        marked = CycleLog.objects.filter(pk=log.pk, finished_at__isnull=True).update(
            outcome=CycleOutcome.FAILED, finished_at=last_seen, duration_ms=duration_ms,
            errors=[*log.errors, reason])
        if not marked:
            continue
        actions.append(f"marked cycle {log.pk} failed: abandoned by its worker")
        alert_send(kind=AlertKind.CYCLE_ABANDONED,
                   message=f"cycle {log.pk} ({log.mode}) started {log.started_at:%H:%M:%S} UTC never finished "
                           f"(worker lost, last sign of life {last_seen:%H:%M:%S} UTC); cycle {current_cycle_id} "
                           "is reconciling its orders and positions with the exchange now")
    return actions


def cycle_recover_if_abandoned() -> CycleLog | None:
    """Run a cycle now when a cycle record is unfinished and no live worker holds the lease; else None.

    The cycle run is the ordinary one (same safety rules, same lease): it marks the abandoned
    record failed, alerts, resolves the pending order intents and re-places missing stops.
    """
    from trader.cycle.run import cycle_run

    if not CycleLog.objects.filter(finished_at__isnull=True).exists():
        return None
    lease_free = TraderStatus.objects.filter(
        Q(cycle_lease_until__isnull=True) | Q(cycle_lease_until__lt=timezone.now())).exists()
    return cycle_run() if lease_free else None

