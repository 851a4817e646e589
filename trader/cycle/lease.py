"""One cycle at a time, across every worker and host, without Redis.

A lease in the status row: taken with one conditional UPDATE (atomic on PostgreSQL and
SQLite alike), released by its owner, and expiring on its own if a worker dies mid-cycle.
The database, not Redis, holds it because the trader must keep working with Redis down.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from trader.models import TraderStatus
from trader.services.status import STATUS_PK, status_get

CYCLE_LEASE_S = 600


@contextmanager
def cycle_lease(*, lease_s: int = CYCLE_LEASE_S) -> Iterator[bool]:
    """Yield True when this caller holds the lease for the block, False when another does."""
    status_get()  # the row must exist for the conditional update
    owner = uuid.uuid4().hex
    now = timezone.now()
    taken = TraderStatus.objects.filter(
        Q(pk=STATUS_PK) & (Q(cycle_lease_until__isnull=True) | Q(cycle_lease_until__lt=now))
    ).update(cycle_lease_owner=owner, cycle_lease_until=now + timedelta(seconds=lease_s))
    try:
        yield bool(taken)
    finally:
        if taken:
            TraderStatus.objects.filter(pk=STATUS_PK, cycle_lease_owner=owner).update(
                cycle_lease_owner="", cycle_lease_until=None
            )
