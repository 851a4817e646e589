"""Database state of the coinex app: the paper exchange's accounts and stored API credentials."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class PaperAccount(models.Model):
    """One simulated futures account of the paper exchange (dry-run survives restarts).

    ``state`` is the simulator's JSON state (wallet, positions, orders, leverage, last
    prices); it is written only by ``coinex.paper`` inside a transaction.
    """

    name = models.CharField(max_length=64, unique=True, default="default")
    starting_balance = models.DecimalField(max_digits=20, decimal_places=8, default=Decimal("1000"))
    state = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "paper account"

    def __str__(self) -> str:
        return f"paper account {self.name}"

    @property
    def wallet(self) -> Decimal:
        """Cash balance including locked margin (no unrealized PnL)."""
        return Decimal(self.state.get("wallet", self.starting_balance))

    @property
    def open_positions(self) -> list[str]:
        """Symbols with an open position."""
        return sorted(self.state.get("positions", {}))


class StoredCredentials(models.Model):
    """API credentials of one venue set at runtime, encrypted at rest with Fernet.

    One row per venue (``coinex``, ``binance``; ``slot`` is a leftover of the single-venue
    days, always 1). Environment variables take precedence over it. Read and written only
    through ``coinex.credentials``.
    """

    slot = models.PositiveSmallIntegerField(default=1, editable=False)
    venue = models.CharField(max_length=16, default="coinex", unique=True, editable=False)
    access_id_encrypted = models.TextField()
    secret_key_encrypted = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "stored API credentials"
        verbose_name_plural = "stored API credentials"

    def __str__(self) -> str:
        return f"{self.venue} API credentials (encrypted)"
