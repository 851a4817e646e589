"""The latest TA analysis per symbol, persisted so the dashboard, API and trader work without Redis.

One row per symbol in each table, replaced by every analysis (the bus carries the
stream; these hold the newest state). ``TAResult.payload`` is the seed-schema JSON
exactly as published on ``signals:ta:{symbol}``; ``ScanResult`` holds the scanner's
base scores (0-80), the TA bonus shown beside them, and the full scan entry.
"""

from __future__ import annotations

from django.db import models

from ta.models.market import Symbol


class TAResult(models.Model):
    """Latest seed-schema TA result of a symbol (platform-v3 Output Schema)."""

    symbol = models.OneToOneField(Symbol, on_delete=models.CASCADE, related_name="ta_result")
    candle_time = models.DateTimeField(help_text="Open time of the latest 5m candle analysed (UTC).")
    computed_at = models.DateTimeField(help_text="When the analysis ran (UTC).")
    payload = models.JSONField(help_text="The TA result JSON, field for field as the seed's Output Schema.")

    class Meta:
        verbose_name = "TA result"
        ordering = ("symbol__display_order", "symbol__symbol")

    def __str__(self) -> str:
        return f"TA {self.symbol_id} @ {self.candle_time:%Y-%m-%d %H:%M}"


class ScanStatus(models.TextChoices):
    OK = "ok", "ok"
    INSUFFICIENT_DATA = "insufficient_data", "insufficient data"
    ERROR = "error", "error"


class ScanResult(models.Model):
    """Latest scanner entry of a symbol: base scores, TA bonus, suggested leverage, or why there is none."""

    symbol = models.OneToOneField(Symbol, on_delete=models.CASCADE, related_name="scan_result")
    status = models.CharField(max_length=20, choices=ScanStatus.choices)
    reason = models.TextField(blank=True, help_text="Why the symbol could not be analysed (status not ok).")
    candle_time = models.DateTimeField(null=True, blank=True, help_text="Open time of the latest 5m candle analysed.")
    computed_at = models.DateTimeField(help_text="When the analysis ran (UTC).")
    long_score = models.PositiveSmallIntegerField(default=0, help_text="Base long score, 0-80.")
    short_score = models.PositiveSmallIntegerField(default=0, help_text="Base short score, 0-80.")
    ta_long_bonus = models.PositiveSmallIntegerField(default=0, help_text="TA bonus for long, shown separately.")
    ta_short_bonus = models.PositiveSmallIntegerField(default=0, help_text="TA bonus for short, shown separately.")
    direction = models.CharField(max_length=10, blank=True, help_text="long, short or neutral (the higher base score).")
    suggested_leverage = models.PositiveSmallIntegerField(null=True, blank=True)
    payload = models.JSONField(help_text="The full scan entry as published on signals:scan.")

    class Meta:
        ordering = ("symbol__display_order", "symbol__symbol")

    def __str__(self) -> str:
        return f"scan {self.symbol_id}: {self.status} L{self.long_score}/S{self.short_score}"
