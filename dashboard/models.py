"""What the dashboard itself remembers: the age of each active trade signal.

Kept in the database (not process memory) because several processes serve the pages
and the scan runs in a Celery worker (seed upgrades-v2 "Signal history").
"""

from __future__ import annotations

from django.db import models


class SignalDirection(models.TextChoices):
    LONG = "long", "long"
    SHORT = "short", "short"


class SignalHistory(models.Model):
    """One coin's signal on one side: when it appeared, its score, and when the score last moved.

    ``anchor_score``/``anchor_at`` are the score and time of the last change of more
    than ``STALE_SCORE_CHANGE_POINTS``; a signal whose anchor is older than
    ``STALE_AFTER_S`` is stale. ``active`` is false once the score fell below its threshold.
    """

    symbol = models.CharField(max_length=30)
    direction = models.CharField(max_length=5, choices=SignalDirection.choices)
    active = models.BooleanField(default=True)
    score = models.PositiveSmallIntegerField(help_text="Latest base score on this side.")
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    anchor_score = models.PositiveSmallIntegerField()
    anchor_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "signal history"
        ordering = ["symbol", "direction"]
        constraints = [models.UniqueConstraint(fields=["symbol", "direction"], name="signal_history_symbol_direction")]

    def __str__(self) -> str:
        return f"{self.symbol} {self.direction} {self.score}"
