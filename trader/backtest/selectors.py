"""Reads of stored backtest runs, shaped for the dashboard (/backtests) and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from trader.models import BacktestRun


def backtest_runs_list(*, limit: int = 50) -> list[BacktestRun]:
    """The newest runs first (without their trades)."""
    return list(BacktestRun.objects.order_by("-created_at")[:limit])


def backtest_runs_filtered(*, status: str | None = None) -> QuerySet[BacktestRun]:
    """Runs newest first, of one ``status`` when given (for the API's paged list)."""
    runs = BacktestRun.objects.order_by("-created_at", "-id")
    return runs.filter(status=status) if status else runs


def backtest_run_get(*, run_id: int) -> BacktestRun:
    """One run (status, progress, metrics) without its trades; ``DoesNotExist`` when absent."""
    return BacktestRun.objects.get(pk=run_id)


def backtest_run_detail(*, run_id: int) -> dict[str, Any]:
    """One run with everything a page shows: ``run`` (the row), ``metrics``, ``attribution``,
    ``equity`` ([[ms, equity], ...]), ``drawdown_pct`` ([[ms, % below the running peak], ...]),
    ``trades`` (dicts in entry order, times aware UTC, prices Decimal). ``DoesNotExist`` when absent."""
    run = BacktestRun.objects.get(pk=run_id)
    peak = 0.0
    drawdown = []
    for at_ms, equity in run.equity_curve:
        peak = max(peak, equity)
        drawdown.append([at_ms, round((peak - equity) / peak * 100.0, 4) if peak > 0 else 0.0])
    trades = list(run.trades.values("symbol", "side", "entry_time", "entry_price", "exit_time", "exit_price",
                                    "amount", "leverage", "fees", "funding", "pnl", "reason", "score", "ta_bonus",
                                    "strategy"))
    return {"run": run, "metrics": run.metrics, "attribution": run.attribution, "equity": run.equity_curve,
            "drawdown_pct": drawdown, "trades": trades}
