"""Reads of stored backtest runs and optimiser studies, shaped for the dashboard (/backtests) and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet

from trader.models import BacktestRun, BacktestStudy


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


def backtest_studies_filtered(*, status: str | None = None) -> QuerySet[BacktestStudy]:
    """Optimiser studies newest first, of one ``status`` when given (for the API's paged list)."""
    studies = BacktestStudy.objects.order_by("-created_at", "-id")
    return studies.filter(status=status) if status else studies


def backtest_study_summary(*, study: BacktestStudy) -> dict[str, Any]:
    """One stored walk-forward study as the page and the API show it.

    Returns ``id``, ``status``, ``progress_pct``, ``origin``, ``proposal``, ``created_at``,
    ``started_at``, ``finished_at``, ``error``, ``out_of_sample`` (the test windows together, as
    ``trader.backtest.optimise.out_of_sample_summarise``: the headline, shown first), what was asked
    (``strategy``, ``symbols``, ``start``/``end`` aware UTC or None, ``metric``, ``trials`` per
    window, ``seed``, ``min_trades``), ``searched`` (the parameter ranges, ``{name: [low, high]}``; the current
    ``SPACE``, which studies do not store), ``windows`` (per fold: ``train_start``, ``train_end``,
    ``test_start``, ``test_end`` aware UTC, ``best_params``, ``train_score`` (the objective on the
    train window) and ``test_metrics`` (the figures of those parameters on the unseen test window)),
    ``recommended`` (the last window's best parameters), ``applied``, ``applied_at`` and
    ``applied_by``. Missing keys of an older or failed study read as empty values, never an error.
    """
    from trader.backtest.optimise import MIN_TRADES_DEFAULT, out_of_sample_summarise

    parameters = study.parameters or {}
    asked = parameters.get("request") or {}
    min_trades = parameters.get("min_trades", MIN_TRADES_DEFAULT)
    windows = [{
        "train_start": _aware(fold.get("train", [None, None])[0]),
        "train_end": _aware(fold.get("train", [None, None])[1]),
        "test_start": _aware(fold.get("test", [None, None])[0]),
        "test_end": _aware(fold.get("test", [None, None])[1]),
        "best_params": fold.get("best_params") or {},
        "train_score": fold.get("train_score"),
        "test_metrics": fold.get("test_metrics") or {},
    } for fold in study.folds or []]
    out_of_sample = out_of_sample_summarise(folds=study.folds or [], metric=parameters.get("metric", ""),
                                            min_trades=min_trades)
    for test in out_of_sample["folds"]:
        test["test_start"], test["test_end"] = (_aware(value) for value in test.pop("test"))
    return {
        "id": study.pk, "status": study.status, "progress_pct": study.progress_pct, "origin": study.origin,
        "proposal": study.proposal, "created_at": study.created_at, "started_at": study.started_at,
        "finished_at": study.finished_at, "error": study.error, "out_of_sample": out_of_sample,
        "strategy": asked.get("strategy", ""), "symbols": list(asked.get("symbols") or []),
        "start": _aware(asked.get("start")), "end": _aware(asked.get("end")), "metric": parameters.get("metric", ""),
        "trials": parameters.get("trials"), "seed": parameters.get("seed"), "min_trades": min_trades,
        "searched": _searched(),
        "windows": windows, "recommended": study.recommended or {}, "applied": study.applied_at is not None,
        "applied_at": study.applied_at, "applied_by": study.applied_by,
    }


def backtest_studies_list(*, limit: int = 20) -> list[dict[str, Any]]:
    """The ``limit`` newest studies, each as ``backtest_study_summary``."""
    return [backtest_study_summary(study=study) for study in backtest_studies_filtered()[:limit]]


def backtest_study_detail(*, study_id: int) -> dict[str, Any]:
    """One study as ``backtest_study_summary``; ``BacktestStudy.DoesNotExist`` when absent."""
    return backtest_study_summary(study=BacktestStudy.objects.get(pk=study_id))


def backtest_study_config_changes(*, study: dict[str, Any]) -> list[dict[str, Any]]:
    """What applying ``study`` (a ``backtest_study_summary``) would change in the live config: per field
    ``field``, ``current``, ``proposed`` and ``changed``; [] without a recommendation."""
    from trader.backtest.optimise import config_changes_of
    from trader.services.config import config_get

    if not study["recommended"]:
        return []
    config = config_get()
    return [{"field": name, "current": getattr(config, name), "proposed": proposed,
             "changed": getattr(config, name) != proposed}
            for name, proposed in config_changes_of(study["recommended"]).items()]


def _searched() -> dict[str, list[float]]:
    from trader.backtest.optimise import SPACE

    leverage_low, leverage_high = SPACE["leverage_default"]
    # leverage_60 is searched from the trial's default leverage up to the same maximum.
    return {**{name: list(bounds) for name, bounds in SPACE.items()}, "leverage_60": [leverage_low, leverage_high]}


def _aware(value: str | None) -> datetime | None:
    """An ISO time (or date) as stored in a study's JSON, as an aware UTC datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
