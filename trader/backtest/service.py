"""Run a backtest from a request, with attribution, and store it (command, task and page share this).

``backtest_execute`` is pure apart from reading the trader config (for the scanner's
settings) and the candles; ``backtest_store`` writes the run, its trades and equity curve.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from config.logging import Category
from trader.backtest.data import (
    SymbolHistory,
    histories_with_derivatives,
    history_from_database,
    history_from_folder,
    history_missing,
)
from trader.backtest.ema_cross import EmaCrossStrategy, ema_cross_settings
from trader.backtest.metrics import metrics_compute, trade_row
from trader.backtest.portfolio import Progress, RunResult, backtest_run
from trader.backtest.settings import BacktestSettings, settings_from_config
from trader.backtest.strategy import BacktestStrategy, ScannerStrategy
from trader.backtest.suite import SuiteStrategy
from trader.models import BacktestRun, BacktestStatus, BacktestStudy, BacktestTrade

logger = logging.getLogger(__name__)

STRATEGY_NAMES = ("scanner", "ema_cross")
EMA_CROSS_NOT_COMPARABLE = ("ema_cross cannot be used with --compare: it needs its own TP/SL (price-move %); "
                            "use --strategy ema_cross --tp-pct X --sl-pct Y")
ATTRIBUTION_FIGURES = ("total_return_pct", "max_drawdown_pct", "trades", "win_rate_pct", "profit_factor",
                       "sharpe", "average_trade")


@dataclass(frozen=True)
class BacktestRequest:
    """What to run. ``overrides``: BacktestSettings / EntrySettings fields replacing the live config's
    (scanner); ``tp_pct``/``sl_pct``/``fee_pct``: the reference's price-move % and fee % (ema_cross;
    for the scanner, tp/sl override the config's % of margin and fee the taker fee).
    ``candles_dir`` None reads the database. ``attribution``: also run without/with the TA bonus.
    ``compare``: other strategies (scanner or the suite) run alone on the same candles and settings."""

    strategy: str
    symbols: tuple[str, ...]
    timeframe: str = "5m"
    start: datetime | None = None
    end: datetime | None = None
    candles_dir: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    tp_pct: Decimal | None = None
    sl_pct: Decimal | None = None
    fee_pct: Decimal | None = None
    attribution: bool = False
    compare: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The request as JSON-safe values (stored with the run)."""
        return {
            "strategy": self.strategy, "symbols": list(self.symbols), "timeframe": self.timeframe,
            "start": self.start.isoformat() if self.start else None, "end": self.end.isoformat() if self.end else None,
            "candles_dir": str(self.candles_dir) if self.candles_dir else None,
            "overrides": {k: str(v) if isinstance(v, Decimal) else v for k, v in self.overrides.items()},
            "tp_pct": _text(self.tp_pct), "sl_pct": _text(self.sl_pct), "fee_pct": _text(self.fee_pct),
            "attribution": self.attribution, "compare": list(self.compare),
        }


    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BacktestRequest:
        """The request ``as_json`` wrote (numbers given as strings become Decimals)."""
        overrides = {k: Decimal(v) if isinstance(v, str) and k not in ("leverage_rules",) else v
                     for k, v in data.get("overrides", {}).items()}
        return cls(
            strategy=data["strategy"], symbols=tuple(data["symbols"]), timeframe=data.get("timeframe", "5m"),
            start=datetime.fromisoformat(data["start"]) if data.get("start") else None,
            end=datetime.fromisoformat(data["end"]) if data.get("end") else None,
            candles_dir=Path(data["candles_dir"]) if data.get("candles_dir") else None, overrides=overrides,
            tp_pct=_number(data.get("tp_pct")), sl_pct=_number(data.get("sl_pct")),
            fee_pct=_number(data.get("fee_pct")), attribution=bool(data.get("attribution")),
            compare=tuple(data.get("compare", ())),
        )


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass
class BacktestReport:
    """A finished run: the result, its metrics and trade rows, and the attribution when asked for."""

    request: BacktestRequest
    settings: BacktestSettings
    result: RunResult
    metrics: dict[str, Any]
    attribution: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """``--json`` output: request, metrics, attribution and every trade."""
        return {"request": self.request.as_json(), "metrics": self.metrics, "attribution": self.attribution,
                "trades": [trade_row(t) for t in self.result.trades]}


def strategy_build(request: BacktestRequest) -> BacktestStrategy:
    """The strategy object of ``request.strategy``; ValueError naming the known ones."""
    if request.strategy == "scanner":
        if request.timeframe != "5m":
            raise ValueError("the scanner strategy steps on 5m candles (its scores are defined on 5m)")
        return ScannerStrategy(derivatives_factors=django_settings.SCANNER_DERIVATIVES_FACTORS)
    if request.strategy == "ema_cross":
        return EmaCrossStrategy(timeframe=request.timeframe)
    return strategy_named(request.strategy, request=request)


def strategy_named(name: str, *, request: BacktestRequest) -> BacktestStrategy:
    """``scanner`` or a ``ta.engine.strategies`` suite strategy (5m steps); ValueError naming the known ones."""
    from ta.engine.strategies.registry import strategy_names

    if name == "scanner":
        return ScannerStrategy(derivatives_factors=django_settings.SCANNER_DERIVATIVES_FACTORS)
    if name == "ema_cross":
        raise ValueError(EMA_CROSS_NOT_COMPARABLE)
    if name not in strategy_names():
        known = ", ".join(dict.fromkeys([*STRATEGY_NAMES, *strategy_names()]))
        raise ValueError(f"unknown strategy {name!r}; known: {known}")
    if request.timeframe != "5m":
        raise ValueError(f"{name} steps on 5m candles, as in the live cycle")
    return SuiteStrategy(name, start=request.start, end=request.end)


def settings_build(request: BacktestRequest) -> BacktestSettings:
    """The run's settings: the reference's own, or the live config with the request's overrides."""
    if request.strategy == "ema_cross":
        if request.tp_pct is None or request.sl_pct is None:
            raise ValueError("ema_cross needs --tp-pct and --sl-pct (price-move percentages)")
        settings = ema_cross_settings(tp_pct=request.tp_pct, sl_pct=request.sl_pct,
                                      fee_pct=request.fee_pct if request.fee_pct is not None else Decimal("0.05"))
        return dataclasses.replace(settings, **{k: v for k, v in request.overrides.items()
                                                if k in ("starting_balance", "slippage_rate", "funding_rate_8h")})
    from trader.services.config import config_get

    overrides = dict(request.overrides)
    if request.tp_pct is not None:
        overrides["tp_pct"] = request.tp_pct
    if request.sl_pct is not None:
        overrides["sl_pct"] = request.sl_pct
    if request.fee_pct is not None:
        overrides["fee_rate"] = request.fee_pct / 100
    return settings_from_config(config_get(), **overrides)


def histories_load(request: BacktestRequest, strategy: BacktestStrategy) -> list[SymbolHistory]:
    """The candles the strategy needs, from the folder or the database (and the stored derivatives
    series when it reads them)."""
    if request.candles_dir is not None:
        histories = history_from_folder(directory=request.candles_dir, symbols=list(request.symbols),
                                        timeframes=strategy.timeframes)
    else:
        histories = history_from_database(symbols=list(request.symbols), timeframes=strategy.timeframes)
    if getattr(strategy, "needs_derivatives", False):
        histories = histories_with_derivatives(histories)
    return histories


def _summary(metrics: dict[str, Any]) -> dict[str, Any]:
    return {name: metrics[name] for name in ATTRIBUTION_FIGURES}


def backtest_request_validate(request: BacktestRequest) -> tuple[BacktestStrategy, BacktestSettings]:
    """Check everything a run needs before any candle is loaded or any step computed: the strategy
    and its timeframe, each ``compare`` name, the dates, the settings and overrides, and that every
    symbol has the candles of every timeframe each strategy reads. Returns the main strategy and
    settings; raises ``ValueError`` listing every problem (``; ``-separated), so a five-minute
    run never stops at its end on a mistake that was visible at its start."""
    from django.core.exceptions import ValidationError

    from ta.timeframes import TIMEFRAME_DURATIONS
    from trader.models.config import validate_leverage_rules

    problems: list[str] = []
    strategy = settings = None
    if request.timeframe not in TIMEFRAME_DURATIONS:
        problems.append(f"unknown timeframe {request.timeframe!r}; one of {', '.join(TIMEFRAME_DURATIONS)}")
    else:
        try:
            strategy = strategy_build(request)
        except ValueError as error:
            problems.append(str(error))
    compared: list[BacktestStrategy] = []
    for name in request.compare:
        if name == request.strategy:
            problems.append(f"--compare names the main strategy {name!r} again")
            continue
        try:
            compared.append(strategy_named(name, request=request))
        except ValueError as error:
            problems.append(str(error).replace("unknown strategy", "--compare: unknown strategy", 1))
    if request.compare and request.strategy == "ema_cross":
        problems.append("--compare runs the others with the live config's TP/SL: use it with --strategy scanner "
                        "or a suite strategy, not ema_cross")
    if request.start is not None and request.end is not None and request.end <= request.start:
        problems.append(f"--to ({request.end:%Y-%m-%d}) must be after --from ({request.start:%Y-%m-%d})")
    if "leverage_rules" in request.overrides:
        try:
            validate_leverage_rules(request.overrides["leverage_rules"])
        except ValidationError as error:
            problems.extend(f"--leverage-rules: {message}" for message in error.messages)
    try:
        settings = settings_build(request)
    except (ValueError, TypeError) as error:
        problems.append(str(error))
    if not request.symbols:
        problems.append("no symbols to backtest")
    timeframes = dict.fromkeys(tf for s in [strategy, *compared] if s is not None for tf in s.timeframes)
    if timeframes and request.symbols:
        problems.extend(history_missing(symbols=list(request.symbols), timeframes=tuple(timeframes),
                                        candles_dir=request.candles_dir, start=request.start, end=request.end))
    if problems:
        raise ValueError("; ".join(problems))
    return strategy, settings


def backtest_execute(*, request: BacktestRequest, progress: Progress | None = None) -> BacktestReport:
    """Run ``request``; with ``attribution`` the same run also without and with the TA bonus counted.

    Raises ValueError for a bad request (``backtest_request_validate``, before any work) and
    ``HistoryMissing`` for candles that vanished since."""
    strategy, settings = backtest_request_validate(request)
    histories = histories_load(request, strategy)
    result = backtest_run(histories=histories, strategy=strategy, settings=settings, start=request.start,
                          end=request.end, progress=progress)
    metrics = metrics_compute(result)
    attribution: dict[str, Any] = {}
    if request.attribution:
        attribution = attribution_compute(histories=histories, strategy=strategy, settings=settings,
                                          request=request)
    if request.compare:
        attribution["per_strategy"] = strategies_compare(request=request, settings=settings, main=strategy,
                                                         main_metrics=metrics)
    return BacktestReport(request=request, settings=settings, result=result, metrics=metrics,
                          attribution=attribution)


def attribution_compute(*, histories: list[SymbolHistory], strategy: BacktestStrategy,
                        settings: BacktestSettings, request: BacktestRequest) -> dict[str, Any]:
    """The same run without and with the TA bonus counted (everything else equal), and the difference."""
    runs = {}
    for label, use_ta in (("without_ta_bonus", False), ("with_ta_bonus", True)):
        variant = dataclasses.replace(settings, entry=dataclasses.replace(settings.entry, use_ta_signals=use_ta))
        runs[label] = _summary(metrics_compute(backtest_run(histories=histories, strategy=strategy, settings=variant,
                                                            start=request.start, end=request.end)))
    difference = {}
    for name in ATTRIBUTION_FIGURES:
        with_value, without_value = runs["with_ta_bonus"][name], runs["without_ta_bonus"][name]
        difference[name] = None if with_value is None or without_value is None else round(
            with_value - without_value, 4)
    runs["ta_bonus_effect"] = difference
    return runs


def strategies_compare(*, request: BacktestRequest, settings: BacktestSettings, main: BacktestStrategy,
                       main_metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each of ``request.compare`` run alone with the same settings and dates, beside the main run."""
    table = {main.name: _summary(main_metrics)}
    for name in request.compare:
        strategy = strategy_named(name, request=request)
        histories = histories_load(request, strategy)
        result = backtest_run(histories=histories, strategy=strategy, settings=settings, start=request.start,
                              end=request.end)
        table[name] = _summary(metrics_compute(result))
    return table


def equity_points(result: RunResult, *, limit: int = BacktestRun.EQUITY_POINTS_MAX) -> list[list[float]]:
    """[[close time ms, equity], ...] sampled evenly to at most ``limit`` points, the last one kept."""
    total = result.times_ns.size
    if not total:
        return []
    indices = np.unique(np.linspace(0, total - 1, num=min(limit, total)).astype(np.int64))
    return [[int(result.times_ns[i] // 1_000_000), round(float(result.equity[i]), 4)] for i in indices]


@transaction.atomic
def backtest_store(*, report: BacktestReport, run: BacktestRun | None = None) -> BacktestRun:
    """Write ``report`` into ``run`` (a new row when None): metrics, attribution, curve, trades; status done."""
    request = report.request
    run = run or BacktestRun(strategy=request.strategy, timeframe=request.timeframe, symbols=list(request.symbols),
                             start=request.start, end=request.end, parameters=request.as_json())
    run.status, run.progress_pct, run.finished_at = BacktestStatus.DONE, 100.0, timezone.now()
    run.metrics, run.attribution, run.equity_curve = report.metrics, report.attribution, equity_points(report.result)
    run.save()
    run.trades.all().delete()
    BacktestTrade.objects.bulk_create([
        BacktestTrade(run=run, symbol=t.symbol, side=t.side, entry_time=t.entry_time, entry_price=t.entry_price,
                      exit_time=t.exit_time or datetime.now(tz=UTC), exit_price=t.exit_price or t.entry_price,
                      amount=t.amount, leverage=t.leverage, fees=t.fees, funding=t.funding, pnl=t.pnl,
                      reason=t.reason, score=t.score, ta_bonus=t.ta_bonus, strategy=t.strategy)
        for t in report.result.trades
    ], batch_size=1000)
    return run


PROGRESS_SAVE_EVERY_PCT = 2.0


@transaction.atomic
def backtest_queue(*, request: BacktestRequest) -> BacktestRun:
    """Store ``request`` as a pending run and start the Celery task ``trader.backtest_run`` on it."""
    strategy_build(request)  # refuse a bad request now, not in the worker
    run = BacktestRun.objects.create(strategy=request.strategy, timeframe=request.timeframe,
                                     symbols=list(request.symbols), start=request.start, end=request.end,
                                     parameters=request.as_json())
    from config.celery import QUEUE_ANALYSIS
    from trader.tasks import backtest_run as backtest_task

    # The analysis queue, not the trader's: a long run must never hold up a trading cycle.
    transaction.on_commit(lambda: backtest_task.apply_async((run.pk,), queue=QUEUE_ANALYSIS))
    return run


PROGRESS_PUSH_EVERY_PCT = 5.0


def progress_recorder(*, job: Any, push: Callable[[], object]) -> Progress:
    """The ``Progress`` callback of a stored job (a ``BacktestRun`` or a ``BacktestStudy``): saves its
    ``progress_pct`` every ~2 % and, every ~5 %, sets it on ``job`` and calls ``push`` (which sends
    ``job`` to the pages)."""
    saved, pushed = [0.0], [0.0]
    rows = type(job).objects.filter(pk=job.pk)

    def progress(done: int, total: int) -> None:
        percent = done / total * 100.0 if total else 100.0
        if percent - saved[0] >= PROGRESS_SAVE_EVERY_PCT:
            saved[0] = percent
            rows.update(progress_pct=round(percent, 1))
            if percent - pushed[0] >= PROGRESS_PUSH_EVERY_PCT:
                pushed[0] = percent
                job.progress_pct = round(percent, 1)
                push()

    return progress


def job_claim(*, model: type[BacktestRun | BacktestStudy], job_id: int, noun: str) -> tuple[Any, bool]:
    """Mark the pending job ``job_id`` of ``model`` running for this worker: ``(job, True)``, the job
    re-read. Any other job (cancelled before it started, already running, finished, failed as lost) is
    ``(job, False)``, logged as ``noun`` ("backtest run"), and is not to be run."""
    job = model.objects.get(pk=job_id)
    started = model.objects.filter(pk=job_id, status=BacktestStatus.PENDING).update(
        status=BacktestStatus.RUNNING, started_at=timezone.now(), progress_pct=0.0)
    if not started and job.status == BacktestStatus.CANCELLED:
        logger.info("%s %s was cancelled before it started", noun, job_id, extra={"category": Category.SYSTEM})
    elif not started:
        logger.warning("%s %s is %s, not pending: not run again", noun, job_id, job.status,
                       extra={"category": Category.SYSTEM})
    else:
        job.refresh_from_db()
    return job, bool(started)


CANCEL_CHECK_EVERY_S = 1.0  # a running job reads its own status at most this often (from its progress callback)


class JobCancelled(Exception):
    """Raised inside a running job's progress callback once a person has cancelled it."""


def progress_cancellable(*, job: Any, progress: Progress) -> Progress:
    """``progress`` for a running ``job`` (a ``BacktestRun`` or a ``BacktestStudy``) that raises
    ``JobCancelled`` once the job's row is no longer running (a cancel wins over all), reading the row
    at most every ``CANCEL_CHECK_EVERY_S``."""
    running = type(job).objects.filter(pk=job.pk, status=BacktestStatus.RUNNING)
    checked = [time.monotonic()]

    def checked_progress(done: int, total: int) -> None:
        if time.monotonic() - checked[0] >= CANCEL_CHECK_EVERY_S:
            checked[0] = time.monotonic()
            if not running.exists():
                raise JobCancelled
        progress(done, total)

    return checked_progress


PUSHED_METRICS = ("total_return_pct", "max_drawdown_pct", "trades", "win_rate_pct")


def backtest_progress_push(*, run: BacktestRun) -> bool:
    """Push ``run``'s status to the pages (``Event.BACKTEST_PROGRESS`` on the dashboard group):
    ``{run_id, status, progress_pct, error, metrics}`` (metrics: a few headline figures once done).
    Best-effort like every push: False when the bus is down."""
    from config.bus.push import push_event
    from config.bus.schema import Event, Group

    metrics = {name: run.metrics.get(name) for name in PUSHED_METRICS} if run.status == BacktestStatus.DONE else None
    return push_event(group=Group.DASHBOARD, event=Event.BACKTEST_PROGRESS, payload={
        "run_id": run.pk, "status": str(run.status), "progress_pct": run.progress_pct, "error": run.error,
        "metrics": metrics})


def backtest_run_execute(*, run_id: int) -> BacktestRun:
    """Run the stored request of run ``run_id``, saving its progress (every ~2 %) and pushing it live
    (every ~5 %, and at the start and the end); then its results. A failure is stored on the run
    (status failed, the error) and pushed instead of raised. Only a pending run starts: one already
    running, finished, cancelled, or marked failed as lost (``trader.services.backtest.backtests_expire``)
    is returned as it is. A run cancelled while running (``trader.services.backtest.backtest_cancel``)
    stops at its next progress check and stores nothing."""
    run, started = job_claim(model=BacktestRun, job_id=run_id, noun="backtest run")
    if not started:
        return run
    backtest_progress_push(run=run)
    progress = progress_cancellable(job=run, progress=progress_recorder(
        job=run, push=lambda: backtest_progress_push(run=run)))
    running = BacktestRun.objects.filter(pk=run_id, status=BacktestStatus.RUNNING)
    try:
        report = backtest_execute(request=BacktestRequest.from_json(run.parameters), progress=progress)
    except JobCancelled:
        logger.info("backtest run %s stopped: cancelled", run_id, extra={"category": Category.SYSTEM})
        run.refresh_from_db()
        return run
    except Exception as error:  # noqa: BLE001 - any failure is shown on the run, the worker carries on
        running.update(status=BacktestStatus.FAILED, finished_at=timezone.now(),
                       error=f"{type(error).__name__}: {error}")
        run.refresh_from_db()
        backtest_progress_push(run=run)
        return run
    with transaction.atomic():
        run = BacktestRun.objects.select_for_update().get(pk=run_id)
        if run.status != BacktestStatus.RUNNING:
            return run  # cancelled (or expired) after its last progress check: it stays so, no result stored
        stored = backtest_store(report=report, run=run)
    backtest_progress_push(run=stored)
    return stored
