"""Entry orders: one row per entry the order manager sent, from placing to the stop's end.

Written and committed before the exchange call (so a restart finds it and adopts or cancels
the order, never sends a second one), updated as the order rests, fills, times out, is
re-priced or abandoned, and then as its position's stop is placed and fires or the position
is closed. ``history`` keeps every transition with its time (docs/RISK.md "Order lifecycle").
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from trader.models.books import Book, BookQuerySet, Venue
from trader.models.records import Side, Trade


class EntryOrderType(models.TextChoices):
    MARKET = "market", "market"
    LIMIT = "limit", "limit"


class EntryOrderState(models.TextChoices):
    PENDING = "pending", "pending"
    PARTIALLY_FILLED = "partially_filled", "partially filled"
    FILLED = "filled", "filled"
    CANCELLED = "cancelled", "cancelled"
    REJECTED = "rejected", "rejected"
    ABANDONED = "abandoned", "abandoned"


class ProtectionState(models.TextChoices):
    NONE = "", "no position"
    STOP_PLACED = "stop_placed", "stop placed"
    STOP_TRIGGERED = "stop_triggered", "stop triggered"
    CLOSED = "closed", "closed"


class EntryOrderQuerySet(BookQuerySet):
    def resting(self) -> EntryOrderQuerySet:
        """Orders that may still fill on the exchange (the cycle manages these)."""
        return self.filter(resting=True)


class EntryOrder(models.Model):
    """One entry order of the order manager (a market entry or a limit entry with its re-prices)."""

    correlation_id = models.CharField(max_length=40, db_index=True)
    mode = models.CharField(max_length=10)
    venue = models.CharField(max_length=10, choices=Venue.choices, default=Venue.COINEX)
    symbol = models.CharField(max_length=30, db_index=True)
    side = models.CharField(max_length=5, choices=Side.choices, help_text="The position's side.")
    strategy = models.CharField(max_length=30, default="scanner")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    leverage = models.PositiveSmallIntegerField()
    order_type = models.CharField(max_length=6, choices=EntryOrderType.choices)
    post_only = models.BooleanField(default=False)
    signal_price = models.DecimalField(max_digits=28, decimal_places=12, null=True, blank=True)
    limit_price = models.DecimalField(max_digits=28, decimal_places=12, null=True, blank=True,
                                      help_text="The current order's limit price (after re-prices).")
    amount = models.DecimalField(max_digits=28, decimal_places=12, help_text="Base-asset amount asked for.")
    filled_amount = models.DecimalField(max_digits=28, decimal_places=12, default=0)
    filled_value = models.DecimalField(max_digits=28, decimal_places=12, default=0,
                                       help_text="Sum of price x amount over every fill (quote asset).")
    fees = models.DecimalField(max_digits=20, decimal_places=8, default=0)
    client_id = models.CharField(max_length=32, unique=True, help_text="The current exchange order's client id.")
    exchange_order_id = models.CharField(max_length=40, blank=True)
    reprices = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=16, choices=EntryOrderState.choices, default=EntryOrderState.PENDING,
                             db_index=True)
    resting = models.BooleanField(default=True, db_index=True,
                                  help_text="The exchange order may still fill (pending or part-filled).")
    protection = models.CharField(max_length=14, choices=ProtectionState.choices, blank=True,
                                  default=ProtectionState.NONE)
    stop_price = models.DecimalField(max_digits=28, decimal_places=12, null=True, blank=True)
    risk_stop_price = models.DecimalField(
        max_digits=28, decimal_places=12, null=True, blank=True,
        help_text="The signal's stop a risk-sized entry was sized to; its trade keeps it (Trade.risk_stop_price).")
    detail = models.TextField(blank=True)
    trade = models.ForeignKey(Trade, null=True, blank=True, on_delete=models.SET_NULL, related_name="entry_orders")
    history = models.JSONField(default=list, blank=True, help_text='[{"at": iso time, "event": ..., "detail": ...}]')
    placed_at = models.DateTimeField(default=timezone.now, help_text="When the current exchange order was placed.")
    filled_at = models.DateTimeField(null=True, blank=True, help_text="First fill.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When the order stopped resting.")
    stop_placed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When the stop fired or the position closed.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mode", "venue", "symbol"], condition=models.Q(resting=True),
                                    name="one_resting_entry_per_book_symbol"),
        ]

    def __str__(self) -> str:
        return f"{self.order_type} {self.side} {self.symbol} [{self.client_id}] {self.state}"

    @property
    def book(self) -> Book:
        return Book(mode=self.mode, venue=self.venue)

    @property
    def average_price(self):
        return self.filled_value / self.filled_amount if self.filled_amount else None

    def event(self, event: str, detail: str = "", *, at=None) -> None:
        """Append a transition to ``history`` (saved by the caller)."""
        self.history = [*self.history, {"at": (at or timezone.now()).isoformat(), "event": event, "detail": detail}]
