"""Books: the records of one (mode, venue) pair (DESIGN.md "Venues and books").

Every trade and order intent carries its book; a cycle reads, reconciles and manages
only its own book's records. The kill switch's references (starting balance, equity
peak) are kept per book in ``BookLedger``, so switching books never compares one
book's equity with another's reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Venue(models.TextChoices):
    """The exchanges a book can live on (one adapter each behind the ``Exchange`` protocol)."""

    COINEX = "coinex", "CoinEx"
    BINANCE = "binance", "Binance USD-M"


@dataclass(frozen=True)
class Book:
    """A (mode, venue) pair: ``live``/``dry-run`` and ``coinex``/``binance``."""

    mode: str
    venue: str

    def __str__(self) -> str:
        return f"{self.mode}/{self.venue}"

    def as_dict(self) -> dict[str, str]:
        return {"mode": self.mode, "venue": self.venue}


class BookQuerySet(models.QuerySet):
    """Shared by every model that belongs to a book (``mode`` and ``venue`` fields)."""

    def in_book(self, book: Book) -> BookQuerySet:
        """Only ``book``'s rows."""
        return self.filter(mode=book.mode, venue=book.venue)

    def not_in_book(self, book: Book) -> BookQuerySet:
        """Every other book's rows."""
        return self.exclude(mode=book.mode, venue=book.venue)


class BookLedger(models.Model):
    """The kill switch's references of one book: its starting balance and its equity peak (USDT).

    Set by the book's first cycle, kept by its cycles, reset only by a kill-switch re-arm.
    """

    mode = models.CharField(max_length=10)
    venue = models.CharField(max_length=10, choices=Venue.choices)
    starting_balance = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    equity_peak = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mode", "venue"], name="one_ledger_per_book")]

    def __str__(self) -> str:
        return f"{self.book}: start {self.starting_balance}, peak {self.equity_peak}"

    @property
    def book(self) -> Book:
        return Book(mode=self.mode, venue=self.venue)
