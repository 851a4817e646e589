"""Daily equity of each book, so the live and dry-run books have an equity curve (live performance)."""

from __future__ import annotations

from django.db import models

from trader.models.books import Book, BookQuerySet, Venue


class EquitySnapshot(models.Model):
    """A book's equity at the end of a UTC day (the latest a cycle recorded that day; rewritten until the day ends)."""

    mode = models.CharField(max_length=10)
    venue = models.CharField(max_length=10, choices=Venue.choices)
    day = models.DateField(help_text="UTC day.")
    equity = models.DecimalField(max_digits=20, decimal_places=8, help_text="USDT.")
    at = models.DateTimeField(help_text="When a cycle saw this equity.")

    objects = BookQuerySet.as_manager()

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["mode", "venue", "day"], name="one_equity_snapshot_per_day")]

    def __str__(self) -> str:
        return f"{self.book} {self.day}: {self.equity}"

    @property
    def book(self) -> Book:
        return Book(mode=self.mode, venue=self.venue)
