"""The trader's status: mode, on/off, the lock and the bookkeeping the safety rules need."""

from __future__ import annotations

from django.db import models


class TraderMode(models.TextChoices):
    PAUSED = "paused", "paused"
    DRY_RUN = "dry-run", "dry-run"
    LIVE = "live", "live"


class LockKind(models.TextChoices):
    NONE = "", "unlocked"
    CIRCUIT_BREAKER = "circuit_breaker", "circuit breaker"
    KILL_SWITCH = "kill_switch", "kill switch"
    EMERGENCY_STOP = "emergency_stop", "emergency stop"


class TraderStatus(models.Model):
    """The one status row (pk 1). A new install is paused (DESIGN.md "Trading modes").

    The kill switch's references are per book: ``trader.models.BookLedger``.
    """

    mode = models.CharField(max_length=10, choices=TraderMode.choices, default=TraderMode.PAUSED)
    enabled = models.BooleanField(default=True, help_text="Off: the cycle still scans but places no orders.")
    lock_kind = models.CharField(max_length=20, choices=LockKind.choices, default=LockKind.NONE, blank=True)
    lock_reason = models.TextField(blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the bot last left paused mode.")
    last_cycle_at = models.DateTimeField(null=True, blank=True)
    last_trade_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # The cycle lease: one cycle at a time across every worker and host (see trader.cycle.lease).
    cycle_lease_owner = models.CharField(max_length=40, blank=True)
    cycle_lease_until = models.DateTimeField(null=True, blank=True)
    # The live venue's last status when not open (trader.services.venue_gate): {} while open.
    venue_status = models.JSONField(default=dict, blank=True,
                                    help_text="The live venue's status when not open (shown in the header).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "trader status"
        verbose_name_plural = "trader status"

    def __str__(self) -> str:
        lock = f", locked: {self.get_lock_kind_display()}" if self.is_locked else ""
        return f"{self.mode}, {'enabled' if self.enabled else 'disabled'}{lock}"

    @property
    def is_locked(self) -> bool:
        return bool(self.lock_kind)
