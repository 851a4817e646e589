"""What the bot did: orders it sent, trades, every decision, every cycle.

A correlation id follows each signal from its decision through its orders and its trade
to the exit, and appears in the JSON log records of each step.
"""

from __future__ import annotations

from django.db import models

from trader.models.books import Book, BookQuerySet, Venue


class Side(models.TextChoices):
    LONG = "long", "long"
    SHORT = "short", "short"


class CloseReason(models.TextChoices):
    TAKE_PROFIT = "tp", "take profit"
    STOP_LOSS = "sl", "stop loss"
    TRAILING = "trailing", "trailing stop"
    MANUAL = "manual", "manual"
    EMERGENCY = "emergency", "emergency stop"
    KILL_SWITCH = "kill_switch", "kill switch"
    RECONCILE = "reconcile", "reconciliation"
    LIQUIDATION = "liquidation", "liquidation"


class CycleOutcome(models.TextChoices):
    RUNNING = "running", "running"
    OK = "ok", "ok"
    FAILED = "failed", "failed"
    PAUSED = "paused", "paused (no exchange call)"
    BUSY = "busy", "skipped: another cycle running"


class CycleLog(models.Model):
    """One trading cycle: what was scanned, found and done, how long it took, what failed."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    mode = models.CharField(max_length=10)
    venue = models.CharField(max_length=10, choices=Venue.choices, default=Venue.COINEX)
    outcome = models.CharField(max_length=10, choices=CycleOutcome.choices, default=CycleOutcome.OK)
    symbols_scanned = models.PositiveIntegerField(default=0)
    candidates = models.PositiveIntegerField(default=0)
    actions = models.JSONField(default=list, blank=True, help_text="What the cycle did, in order.")
    errors = models.JSONField(default=list, blank=True)
    equity = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life while running (the lease heartbeat).")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"cycle {self.pk} at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.outcome}"

    @property
    def book(self) -> Book:
        """The book this cycle managed."""
        return Book(mode=self.mode, venue=self.venue)


class TradeQuerySet(BookQuerySet):
    def open(self) -> TradeQuerySet:
        return self.filter(closed_at__isnull=True)

    def managed(self) -> TradeQuerySet:
        """Trades a cycle of their book manages (not left unmanaged by a book switch)."""
        return self.filter(unmanaged_at__isnull=True)

    def unmanaged(self) -> TradeQuerySet:
        return self.filter(closed_at__isnull=True, unmanaged_at__isnull=False)


class Trade(models.Model):
    """One position the bot opened (or found and flagged), from open to close.

    It belongs to a book (``mode``, ``venue``). An open trade whose book was switched away
    from with the "leave" choice is ``unmanaged`` (``unmanaged_at`` set): no cycle touches it
    until its book is active again.
    """

    correlation_id = models.CharField(max_length=40, db_index=True)
    symbol = models.CharField(max_length=30, db_index=True)
    side = models.CharField(max_length=5, choices=Side.choices)
    mode = models.CharField(max_length=10, help_text="live or dry-run when opened")
    venue = models.CharField(max_length=10, choices=Venue.choices, default=Venue.COINEX,
                             help_text="The exchange it is open on.")
    size = models.DecimalField(max_digits=28, decimal_places=12, help_text="Base-asset amount.")
    entry_price = models.DecimalField(max_digits=28, decimal_places=12)
    exit_price = models.DecimalField(max_digits=28, decimal_places=12, null=True, blank=True)
    leverage = models.PositiveSmallIntegerField()
    margin = models.DecimalField(max_digits=20, decimal_places=8)
    fees = models.DecimalField(max_digits=20, decimal_places=8, default=0)
    pnl = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True, help_text="Net of fees.")
    pnl_pct = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True, help_text="% of margin.")
    opened_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    close_reason = models.CharField(max_length=12, choices=CloseReason.choices, blank=True)
    stop_loss_price = models.DecimalField(max_digits=28, decimal_places=12, null=True, blank=True)
    take_profit_price = models.DecimalField(max_digits=28, decimal_places=12, null=True, blank=True)
    best_price = models.DecimalField(max_digits=28, decimal_places=12, null=True, blank=True,
                                     help_text="Best price since entry (trailing stop).")
    risk_stop_price = models.DecimalField(
        max_digits=28, decimal_places=12, null=True, blank=True,
        help_text="Risk sizing: the signal's stop the position was sized to; the exits keep it as the initial "
                  "stop instead of sl_pct (null: sized by margin, the stop follows sl_pct).")
    liquidation_price = models.DecimalField(
        max_digits=28, decimal_places=12, null=True, blank=True,
        help_text="The exchange's liquidation price of the position, as last seen by a cycle.")
    entry_score = models.PositiveSmallIntegerField(null=True, blank=True)
    strategy = models.CharField(max_length=30, default="scanner", help_text="The strategy that opened it.")
    adopted = models.BooleanField(default=False, help_text="Found on the exchange, not opened by the bot.")
    exchange_size = models.DecimalField(
        max_digits=28, decimal_places=12, null=True, blank=True,
        help_text="Set by reconciliation when the exchange's position differs from the record "
                  "(negative: the opposite side); empty when they match.")
    note = models.TextField(blank=True)
    unmanaged_at = models.DateTimeField(
        null=True, blank=True, help_text="Left open and unmanaged by a book switch at this time (null: managed).")
    unmanaged_reason = models.TextField(blank=True)

    objects = TradeQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["closed_at", "symbol"])]
        constraints = [
            models.UniqueConstraint(fields=["mode", "venue", "symbol"], condition=models.Q(closed_at__isnull=True),
                                    name="one_open_trade_per_book_symbol"),
        ]

    def __str__(self) -> str:
        state = f"closed ({self.close_reason})" if self.closed_at else "open"
        return f"{self.side} {self.symbol} {state}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def book(self) -> Book:
        return Book(mode=self.mode, venue=self.venue)


class OrderIntent(models.Model):
    """An order the bot is about to send, recorded first so a crash cannot duplicate it.

    Written and committed before the exchange call; completed after it. A cycle that
    finds a pending intent looks the order up by its client id instead of resending.
    """

    class Purpose(models.TextChoices):
        OPEN = "open", "open position"
        CLOSE = "close", "close position"

    class State(models.TextChoices):
        PENDING = "pending", "sent, outcome unknown"
        FILLED = "filled", "filled"
        REJECTED = "rejected", "rejected"
        NOT_PLACED = "not_placed", "never reached the exchange"

    client_id = models.CharField(max_length=32, unique=True)
    correlation_id = models.CharField(max_length=40, db_index=True)
    mode = models.CharField(max_length=10, help_text="The book's mode: live or dry-run.")
    venue = models.CharField(max_length=10, choices=Venue.choices, default=Venue.COINEX)
    symbol = models.CharField(max_length=30)
    purpose = models.CharField(max_length=5, choices=Purpose.choices)
    side = models.CharField(max_length=5, choices=Side.choices, help_text="The position's side.")
    amount = models.DecimalField(max_digits=28, decimal_places=12)
    leverage = models.PositiveSmallIntegerField(null=True, blank=True)
    margin = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    close_reason = models.CharField(max_length=12, choices=CloseReason.choices, blank=True)
    # What an open's trade is recorded with, kept here so a fill recovered by client id after a
    # crash records the same trade as the answer would have: its strategy, score and risk stop.
    strategy = models.CharField(max_length=30, default="scanner")
    entry_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_stop_price = models.DecimalField(max_digits=28, decimal_places=12, null=True, blank=True,
                                          help_text="A risk-sized open's stop (Trade.risk_stop_price).")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    exchange_order_id = models.CharField(max_length=40, blank=True)
    detail = models.TextField(blank=True)
    trade = models.ForeignKey(Trade, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.side} {self.symbol} [{self.client_id}] {self.state}"

    @property
    def book(self) -> Book:
        return Book(mode=self.mode, venue=self.venue)


class Decision(models.Model):
    """One candidate in one cycle: its scores, each rule's verdict, and the outcome."""

    class Outcome(models.TextChoices):
        ENTERED = "entered", "entered"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "order failed"

    cycle = models.ForeignKey(CycleLog, on_delete=models.CASCADE, related_name="decisions")
    correlation_id = models.CharField(max_length=40, db_index=True)
    symbol = models.CharField(max_length=30, db_index=True)
    side = models.CharField(max_length=5, choices=Side.choices)
    strategy = models.CharField(max_length=30, default="scanner")
    base_score = models.PositiveSmallIntegerField()
    ta_bonus = models.PositiveSmallIntegerField(default=0, help_text="Counted only when use_ta_signals is on.")
    score = models.PositiveSmallIntegerField(help_text="The score the rules compared.")
    threshold = models.PositiveSmallIntegerField()
    verdicts = models.JSONField(default=list, help_text='[{"rule": ..., "passed": bool, "detail": ...}]')
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.TextField(help_text="Why it was entered, or exactly why not.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.side} {self.symbol} {self.score}/{self.threshold}: {self.outcome}"
