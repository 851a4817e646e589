"""Stored backtest runs: the request, progress, metrics, equity curve and every trade."""

from __future__ import annotations

from django.db import models


class BacktestStatus(models.TextChoices):
    PENDING = "pending", "pending"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"
    CANCELLED = "cancelled", "cancelled"


class BacktestRun(models.Model):
    """One run. ``parameters``: the request (strategy, symbols, dates, settings); ``metrics``: see
    trader.backtest.metrics; ``equity_curve``: [[close time ms, equity USDT], ...] (at most
    ``EQUITY_POINTS_MAX`` points, evenly sampled, last point kept); ``attribution``: the same run
    with and without the TA bonus, and per strategy, when asked for."""

    EQUITY_POINTS_MAX = 2_000

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=BacktestStatus.choices, default=BacktestStatus.PENDING)
    progress_pct = models.FloatField(default=0.0)
    strategy = models.CharField(max_length=40)
    timeframe = models.CharField(max_length=8, default="5m")
    symbols = models.JSONField(default=list)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict, blank=True)
    attribution = models.JSONField(default=dict, blank=True)
    equity_curve = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"backtest {self.pk} {self.strategy} ({self.status})"


class BacktestTrade(models.Model):
    """One trade of a run; prices are fills, ``pnl`` net of fees and funding (USDT)."""

    run = models.ForeignKey(BacktestRun, on_delete=models.CASCADE, related_name="trades")
    symbol = models.CharField(max_length=20)
    side = models.CharField(max_length=5)
    entry_time = models.DateTimeField()
    entry_price = models.DecimalField(max_digits=28, decimal_places=12)
    exit_time = models.DateTimeField()
    exit_price = models.DecimalField(max_digits=28, decimal_places=12)
    amount = models.DecimalField(max_digits=28, decimal_places=12)
    leverage = models.PositiveSmallIntegerField()
    fees = models.DecimalField(max_digits=20, decimal_places=8)
    funding = models.DecimalField(max_digits=20, decimal_places=8, default=0)
    pnl = models.DecimalField(max_digits=20, decimal_places=8)
    reason = models.CharField(max_length=20)
    score = models.IntegerField(default=0)
    ta_bonus = models.IntegerField(default=0)
    strategy = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ("entry_time", "id")
        indexes = [models.Index(fields=["run", "symbol"])]

    def __str__(self) -> str:
        return f"{self.side} {self.symbol} {self.entry_time:%Y-%m-%d %H:%M}"


class StudyOrigin(models.TextChoices):
    """Who started a study."""

    API = "api", "api"
    PAGE = "page", "page"
    CLI = "cli", "command"
    SCHEDULE = "schedule", "weekly schedule"


class BacktestStudy(models.Model):
    """An Optuna walk-forward study (trader.backtest.optimise). ``folds``: per window the train and test
    dates, the best parameters on train, their train objective and test metrics; ``recommended``: the
    last fold's best parameters (trained on the most recent data). The live config changes only when a
    user applies them (``applied_at``/``applied_by``, and each change in the audit log). ``proposal``:
    run by the weekly schedule, which proposes and never applies."""

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=BacktestStatus.choices, default=BacktestStatus.PENDING)
    progress_pct = models.FloatField(default=0.0)
    origin = models.CharField(max_length=10, choices=StudyOrigin.choices, default=StudyOrigin.CLI)
    proposal = models.BooleanField(default=False, help_text="Proposed by the weekly schedule (never applied by it).")
    parameters = models.JSONField(default=dict)
    folds = models.JSONField(default=list, blank=True)
    recommended = models.JSONField(default=dict, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.CharField(max_length=150, blank=True, default="")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"study {self.pk} ({self.status})"
