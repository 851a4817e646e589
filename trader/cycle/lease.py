"""One cycle at a time, across every worker and host, without Redis.

A lease in the status row: taken with one conditional UPDATE (atomic on PostgreSQL and
SQLite alike), released by its owner. It is short (``TRADER_CYCLE_LEASE_S``, 30 s by
default) and renewed by a heartbeat thread every third of it while the cycle runs, so a
long cycle keeps it but a holder that died (a SIGKILLed worker, a lost host) lets it
expire within one lease: the next cycle then runs and recovers, instead of answering
"busy" for minutes. The database, not Redis, holds it because the trader must keep
working with Redis down.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Q
from django.utils import timezone

from config.logging import Category
from trader.models import CycleLog, TraderStatus
from trader.services.status import STATUS_PK, status_get

logger = logging.getLogger(__name__)

HEARTBEATS_PER_LEASE = 3


class CycleLease:
    """The outcome of taking the lease: truthy when held; ``lost`` if another holder took it over."""

    def __init__(self, *, held: bool, owner: str, lease_s: float) -> None:
        self.held = held
        self.owner = owner
        self.lease_s = lease_s
        self.cycle_id: int | None = None
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __bool__(self) -> bool:
        return self.held

    @property
    def lost(self) -> bool:
        """True when a renewal found the lease taken by another cycle (this one overran it)."""
        return self._lost.is_set()

    def cycle_attach(self, *, cycle_id: int) -> None:
        """Stamp ``CycleLog.heartbeat_at`` of ``cycle_id`` with every renewal."""
        self.cycle_id = cycle_id

    def _heartbeat_start(self) -> None:
        self._thread = threading.Thread(target=self._heartbeat, name="cycle-lease-heartbeat", daemon=True)
        self._thread.start()

    def _heartbeat_stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.lease_s / HEARTBEATS_PER_LEASE)

    def _heartbeat(self) -> None:
        interval_s = self.lease_s / HEARTBEATS_PER_LEASE
        try:
            while not self._stop.wait(interval_s):
                now = timezone.now()
                try:
                    renewed = TraderStatus.objects.filter(pk=STATUS_PK, cycle_lease_owner=self.owner).update(
                        cycle_lease_until=now + timedelta(seconds=self.lease_s))
                    if self.cycle_id is not None:
                        CycleLog.objects.filter(pk=self.cycle_id).update(heartbeat_at=now)
                except DatabaseError as error:
                    logger.warning("cycle lease not renewed: %s", error, extra={"category": Category.TRADE})
                    continue
                if not renewed:
                    self._lost.set()
                    logger.error("the cycle lease was taken over by another cycle; this one stops entering",
                                 extra={"category": Category.TRADE, "cycle_id": self.cycle_id})
                    return
        finally:
            connections.close_all()  # this thread's own connections only


@contextmanager
def cycle_lease(*, lease_s: float | None = None) -> Iterator[CycleLease]:
    """Yield a lease that is truthy when this caller holds it for the block, falsy when another does.

    While held, a heartbeat thread renews it every ``lease_s / 3`` seconds; it is released on
    exit. ``lease_s`` defaults to ``settings.TRADER_CYCLE_LEASE_S``.
    """
    lease_s = float(lease_s if lease_s is not None else settings.TRADER_CYCLE_LEASE_S)
    status_get()  # the row must exist for the conditional update
    owner = uuid.uuid4().hex
    now = timezone.now()
    taken = TraderStatus.objects.filter(
        Q(pk=STATUS_PK) & (Q(cycle_lease_until__isnull=True) | Q(cycle_lease_until__lt=now))
    ).update(cycle_lease_owner=owner, cycle_lease_until=now + timedelta(seconds=lease_s))
    lease = CycleLease(held=bool(taken), owner=owner, lease_s=lease_s)
    if taken:
        lease._heartbeat_start()
    try:
        yield lease
    finally:
        if taken:
            lease._heartbeat_stop()
            TraderStatus.objects.filter(pk=STATUS_PK, cycle_lease_owner=owner).update(
                cycle_lease_owner="", cycle_lease_until=None
            )
