"""Optuna over the trader's thresholds, TP/SL and leverage rules, with walk-forward windows.

The request's date range is cut into ``folds + 1`` equal windows; fold ``i`` searches on
window ``i`` (train, ``trials`` TPE trials, seeded) and runs the best parameters once on
window ``i + 1`` (test, never seen by the search). The test figures are the honest ones.
Search space (``SPACE``): long and short thresholds 30-70, TP 2-20 % and SL 1-10 % of
margin (0.5 steps), default leverage 1-10 and the "60+" leverage from the default to 10.
The objective is a metric of ``trader.backtest.metrics``, by default ``sharpe_adj`` (the
Sharpe ratio penalised for autocorrelated returns, Lo 2002). Guards against overfitting:
a trial with fewer than ``min_trades`` trades on its train window, or an undefined
objective, scores ``UNDEFINED_SCORE`` (a lucky handful of trades never wins); each test
window reports its trade count and whether it fell under the minimum; the outcome leads
with ``out_of_sample``, the test windows' figures together, before any train figure.
Nothing here writes the live config: ``study_apply`` does, for a user, through the
audited config service.
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from trader.backtest.data import SymbolHistory
from trader.backtest.metrics import metrics_compute
from trader.backtest.portfolio import Progress, backtest_run
from trader.backtest.service import (
    ATTRIBUTION_FIGURES,
    BacktestRequest,
    backtest_request_validate,
    histories_load,
)
from trader.backtest.settings import BacktestSettings
from trader.backtest.strategy import BacktestStrategy, SideScores
from trader.models import BacktestStatus, BacktestStudy

SPACE = {"long_threshold": (30, 70), "short_threshold": (30, 70), "tp_pct": (2.0, 20.0), "sl_pct": (1.0, 10.0),
         "leverage_default": (1, 10)}
UNDEFINED_SCORE = -1e9
METRICS = ("sharpe_adj", "sharpe", "sortino", "total_return_pct", "profit_factor")
METRIC_DEFAULT = "sharpe_adj"
MIN_TRADES_DEFAULT = 10  # trades a train window needs for its trial to count
# The figures each test window reports (the objective among them).
TEST_FIGURES = (*ATTRIBUTION_FIGURES, "sharpe_adj")


@dataclass(frozen=True)
class OptimiseRequest:
    """``base``: the backtest request (strategy, symbols, dates, overrides); ``start``/``end`` required."""

    base: BacktestRequest
    folds: int = 3
    trials: int = 30
    metric: str = METRIC_DEFAULT
    seed: int = 42
    min_trades: int = MIN_TRADES_DEFAULT

    def as_json(self) -> dict[str, Any]:
        """As stored in ``BacktestStudy.parameters`` (``from_json`` reads it back)."""
        return {"request": self.base.as_json(), "folds": self.folds, "trials": self.trials, "metric": self.metric,
                "seed": self.seed, "min_trades": self.min_trades}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OptimiseRequest:
        """The request ``as_json`` stored (older studies without ``min_trades`` get the default)."""
        return cls(base=BacktestRequest.from_json(data["request"]), folds=int(data["folds"]),
                   trials=int(data["trials"]), metric=str(data["metric"]), seed=int(data["seed"]),
                   min_trades=int(data.get("min_trades", MIN_TRADES_DEFAULT)))


class _CachedScores:
    """A strategy whose per-symbol scores are computed once for all trials (they do not depend on settings)."""

    def __init__(self, strategy: BacktestStrategy) -> None:
        self.inner = strategy
        self.name, self.timeframes = strategy.name, strategy.timeframes
        self.decides_entry = strategy.decides_entry
        self.cache: dict[str, SideScores] = {}

    def scores(self, history: SymbolHistory) -> SideScores:
        if history.symbol not in self.cache:
            self.cache[history.symbol] = self.inner.scores(history)
        return self.cache[history.symbol]


def walk_forward_windows(start: datetime, end: datetime, folds: int) -> list[tuple[datetime, datetime, datetime]]:
    """(train start, train end = test start, test end) for each fold; ValueError for fewer than one fold."""
    if folds < 1 or end <= start:
        raise ValueError("walk-forward needs at least one fold and --from before --to")
    step = (end - start) / (folds + 1)
    return [(start + step * i, start + step * (i + 1), start + step * (i + 2)) for i in range(folds)]


def settings_with_params(settings: BacktestSettings, params: dict[str, Any]) -> BacktestSettings:
    """``settings`` with a trial's parameters (see ``SPACE``)."""
    rules = {"60+": max(params["leverage_60"], params["leverage_default"]), "default": params["leverage_default"]}
    entry = dataclasses.replace(settings.entry, long_threshold=params["long_threshold"],
                                short_threshold=params["short_threshold"], leverage_rules=rules)
    return dataclasses.replace(settings, entry=entry, tp_pct=Decimal(str(params["tp_pct"])),
                               sl_pct=Decimal(str(params["sl_pct"])))


def _suggest(trial: Any) -> dict[str, Any]:
    params = {
        "long_threshold": trial.suggest_int("long_threshold", *SPACE["long_threshold"]),
        "short_threshold": trial.suggest_int("short_threshold", *SPACE["short_threshold"]),
        "tp_pct": trial.suggest_float("tp_pct", *SPACE["tp_pct"], step=0.5),
        "sl_pct": trial.suggest_float("sl_pct", *SPACE["sl_pct"], step=0.5),
        "leverage_default": trial.suggest_int("leverage_default", *SPACE["leverage_default"]),
    }
    params["leverage_60"] = trial.suggest_int("leverage_60", params["leverage_default"], 10)
    return params


def trial_score(metrics: dict[str, Any], *, metric: str, min_trades: int) -> float:
    """A train window's objective: ``metrics[metric]``, or ``UNDEFINED_SCORE`` when it is undefined or the
    window had fewer than ``min_trades`` trades (too few to tell skill from luck)."""
    value = metrics.get(metric)
    if value is None or (metrics.get("trades") or 0) < min_trades:
        return UNDEFINED_SCORE
    return float(value)


def optimise_request_problems(request: OptimiseRequest) -> list[str]:
    """The study's own problems (metric, folds, trials, minimum trades, a period, a strategy whose
    thresholds and TP/SL the search may set), each as a sentence; [] when there is none."""
    problems = []
    if request.metric not in METRICS:
        problems.append(f"--metric {request.metric!r} is not one of {', '.join(METRICS)}")
    if request.folds < 1:
        problems.append(f"--folds must be at least 1 (got {request.folds})")
    if request.trials < 1:
        problems.append(f"--trials must be at least 1 (got {request.trials})")
    if request.min_trades < 0:
        problems.append(f"--min-trades must be 0 or more (got {request.min_trades})")
    if request.base.start is None or request.base.end is None:
        problems.append("an optimisation needs --from and --to (the walk-forward windows)")
    if request.base.strategy == "ema_cross":
        problems.append("ema_cross cannot be optimised: its TP/SL are price moves given by hand (backtest "
                        "--strategy ema_cross); optimise scanner or a suite strategy")
    return problems


def optimise_request_validate(request: OptimiseRequest) -> tuple[BacktestStrategy, BacktestSettings]:
    """Every check of a study before any candle is loaded (``optimise_request_problems``, then
    ``backtest_request_validate`` for the base request). Returns the strategy and settings;
    ValueError listing every problem."""
    problems = optimise_request_problems(request)
    try:
        built = backtest_request_validate(request.base)
    except ValueError as error:
        problems.append(str(error))
    if problems:
        raise ValueError("; ".join(problems))
    return built


def out_of_sample_summarise(*, folds: list[dict[str, Any]], metric: str, min_trades: int) -> dict[str, Any]:
    """The test windows' figures together, the headline of a study: ``objective`` (the metric),
    ``trades`` (total), ``objective_mean``/``objective_median`` over the windows where it is defined
    (None when it is nowhere), ``windows``, ``windows_under_min_trades``, and ``folds`` (per window:
    ``test`` [start, end], ``trades``, ``under_min_trades``, ``objective`` and its ``metrics``)."""
    tests = []
    for fold in folds:
        metrics = fold.get("test_metrics") or {}
        trades = int(metrics.get("trades") or 0)
        tests.append({"test": fold.get("test") or [None, None], "trades": trades,
                      "under_min_trades": trades < min_trades, "objective": metrics.get(metric), "metrics": metrics})
    defined = [float(test["objective"]) for test in tests if test["objective"] is not None]
    return {
        "objective": metric, "min_trades": min_trades, "trades": sum(test["trades"] for test in tests),
        "objective_mean": round(statistics.fmean(defined), 3) if defined else None,
        "objective_median": round(statistics.median(defined), 3) if defined else None,
        "windows": len(tests), "windows_under_min_trades": sum(test["under_min_trades"] for test in tests),
        "folds": tests,
    }


def optimise(*, request: OptimiseRequest, progress: Progress | None = None) -> dict[str, Any]:
    """Run the study; returns ``{"out_of_sample": ..., "folds": [...], "recommended": params}`` in that
    order (JSON-safe; ``out_of_sample`` as ``out_of_sample_summarise``). Each fold: ``test`` and
    ``test_metrics`` (with ``under_min_trades``) first, then ``train``, ``best_params``, ``train_score``."""
    import optuna

    base_strategy, settings = optimise_request_validate(request)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    strategy = _CachedScores(base_strategy)
    histories = histories_load(request.base, strategy)
    windows = walk_forward_windows(request.base.start, request.base.end, request.folds)
    folds = []
    done, total = 0, len(windows) * (request.trials + 1)

    def run(params: dict[str, Any], start: datetime, end: datetime) -> dict[str, Any]:
        nonlocal done
        result = backtest_run(histories=histories, strategy=strategy, settings=settings_with_params(settings, params),
                              start=start, end=end)
        done += 1
        if progress:
            progress(done, total)
        return metrics_compute(result)

    for train_start, train_end, test_end in windows:
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=request.seed))
        study.optimize(lambda trial, s=train_start, e=train_end: trial_score(
            run(_suggest(trial), s, e), metric=request.metric, min_trades=request.min_trades), n_trials=request.trials)
        best = {**study.best_params}
        test = run(best, train_end, test_end)
        folds.append({
            "test": [train_end.isoformat(), test_end.isoformat()],
            "test_metrics": {**{name: test[name] for name in TEST_FIGURES},
                             "under_min_trades": test["trades"] < request.min_trades},
            "train": [train_start.isoformat(), train_end.isoformat()],
            "best_params": best, "train_score": study.best_value,
        })
    return {"out_of_sample": out_of_sample_summarise(folds=folds, metric=request.metric,
                                                     min_trades=request.min_trades),
            "folds": folds, "recommended": folds[-1]["best_params"]}


def study_store(*, request: OptimiseRequest, outcome: dict[str, Any], origin: str = "cli") -> BacktestStudy:
    """Save a study finished outside a worker (the command), ``origin`` naming who ran it."""
    now = timezone.now()
    return BacktestStudy.objects.create(
        status=BacktestStatus.DONE, started_at=now, finished_at=now, progress_pct=100.0, origin=origin,
        folds=outcome["folds"], recommended=outcome["recommended"], parameters=request.as_json(),
    )


def config_changes_of(params: dict[str, Any]) -> dict[str, Any]:
    """The live config's fields a study's parameters (``SPACE`` names) set, as ``config_update`` takes them."""
    return {"long_threshold": params["long_threshold"], "short_threshold": params["short_threshold"],
            "tp_pct": Decimal(str(params["tp_pct"])), "sl_pct": Decimal(str(params["sl_pct"])),
            "leverage_rules": {"60+": max(params["leverage_60"], params["leverage_default"]),
                               "default": params["leverage_default"]}}


def study_apply(*, study_id: int, actor: Any) -> BacktestStudy:
    """Write the study's recommended parameters into the live config for ``actor`` (audited per field by
    ``trader.services.config.config_update``; ValidationError leaves everything unchanged)."""
    from trader.services.config import config_update

    study = BacktestStudy.objects.get(pk=study_id)
    config_update(changes=config_changes_of(study.recommended), actor=actor)
    study.applied_at, study.applied_by = timezone.now(), actor.label
    study.save(update_fields=["applied_at", "applied_by"])
    return study
