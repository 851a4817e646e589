"""Daily equity snapshots: each book's latest recorded equity, kept per UTC day (the live equity curve)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import OuterRef, Subquery

from trader.models import BookLedger, CycleLog, EquitySnapshot


@transaction.atomic
def equity_snapshots_take() -> int:
    """Write (or rewrite) today's snapshot of every book with a ledger from the equity its newest cycle
    recorded; a day's row ends as that day's last equity. Idempotent; returns how many books were written.
    Reads the database only (no exchange call): a paused platform keeps its last equity."""
    newest = CycleLog.objects.filter(mode=OuterRef("mode"), venue=OuterRef("venue"), equity__isnull=False) \
        .order_by("-started_at", "-id")
    books = BookLedger.objects.annotate(equity=Subquery(newest.values("equity")[:1]),
                                        at=Subquery(newest.values("started_at")[:1])).filter(equity__isnull=False)
    written = 0
    for book in books:
        EquitySnapshot.objects.update_or_create(mode=book.mode, venue=book.venue, day=book.at.date(),
                                                defaults={"equity": book.equity, "at": book.at})
        written += 1
    return written
