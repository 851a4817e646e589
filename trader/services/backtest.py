"""Starting a backtest for a person (the /backtests page, the API): validate, store, queue, audit.

The run itself is ``trader.backtest.service``'s: the request becomes a pending
``BacktestRun`` and the Celery task ``trader.backtest_run`` (analysis queue) executes it,
pushing its progress live. Candles come from the database or from the server's own
candle folder (``settings.KLINES_DIR``): a caller never names a path on the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from config.logging import Category
from trader.backtest.service import (
    STRATEGY_NAMES,
    BacktestRequest,
    backtest_queue,
    settings_build,
    strategy_build,
)
from trader.models import BacktestRun, BacktestStatus
from trader.models.config import SYMBOL_PATTERN
from trader.services.actor import Actor
from trader.services.audit import audit_record
from trader.services.status import ControlRefused

logger = logging.getLogger(__name__)

BACKTEST_SYMBOLS_MAX = 30
BACKTEST_SPAN_DAYS_MAX = 366
# Runs share the analysis queue with the TA scans: a few at a time, never a pile-up.
BACKTEST_ACTIVE_MAX = 2
# A pending or running run older than the task's time limit is stale (its worker died), not active.
BACKTEST_ACTIVE_WINDOW = timedelta(seconds=3_600)
# trader.tasks.backtest_run's hard time limit (Celery kills the task then), and the grace after it
# before a run still marked running is called lost.
BACKTEST_TASK_TIME_LIMIT_S = 3_600
BACKTEST_LOST_AFTER = timedelta(seconds=BACKTEST_TASK_TIME_LIMIT_S) + timedelta(minutes=5)
BACKTEST_LOST_ERROR = ("lost: no result {minutes} min after it {what} (the worker stopped or restarted, or the "
                       "queued task was dropped); start it again")
# Overrides a person may set: BacktestSettings / EntrySettings fields (see trader.backtest.settings).
OVERRIDE_FIELDS = ("long_threshold", "short_threshold", "max_positions", "max_leverage", "position_size_pct",
                   "use_ta_signals", "trailing_stop", "starting_balance")


class CandleSource(StrEnum):
    """Where a started run reads its candles."""

    DATABASE = "database"  # the stored candles (what market data fetched)
    FILES = "files"  # the server's kline folder (settings.KLINES_DIR)


class BacktestBusy(ControlRefused):
    """Too many runs are pending or running; start one when another has finished."""


def backtest_strategy_names() -> list[str]:
    """The strategies a run may use: the scanner, the ema_cross reference and the suite's."""
    from ta.engine.strategies.registry import strategy_names

    return list(dict.fromkeys([*STRATEGY_NAMES, *strategy_names()]))


def day_start(day: date) -> datetime:
    """00:00 UTC of ``day``."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _symbols_checked(symbols: list[str]) -> tuple[str, ...]:
    cleaned = [symbol.strip().upper() for symbol in symbols]
    if not cleaned:
        raise ValidationError({"symbols": ["name at least one symbol"]})
    if len(cleaned) > BACKTEST_SYMBOLS_MAX:
        raise ValidationError({"symbols": [f"at most {BACKTEST_SYMBOLS_MAX} symbols per run"]})
    bad = [symbol for symbol in cleaned if not SYMBOL_PATTERN.match(symbol)]
    if bad:
        raise ValidationError({"symbols": [f"{symbol!r} is not an exchange symbol such as BTCUSDT" for symbol in bad]})
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError({"symbols": ["lists a symbol twice"]})
    return tuple(cleaned)


def _candles_missing(*, request: BacktestRequest, timeframes: tuple[str, ...]) -> list[str]:
    """Each ``SYMBOL timeframe`` the run would not find (files: no file; database: none in the period)."""
    missing = []
    for symbol in request.symbols:
        for timeframe in timeframes:
            if request.candles_dir is not None:
                from ta.sources.csv_files import csv_path_find

                found = csv_path_find(request.candles_dir, symbol=symbol, timeframe=timeframe) is not None
            else:
                from ta.models import Candle

                found = Candle.objects.filter(symbol__symbol=symbol, timeframe=timeframe,
                                              open_time__gte=request.start, open_time__lt=request.end).exists()
            if not found:
                missing.append(f"{symbol} {timeframe}")
    return missing


def backtest_request_build(*, strategy: str, symbols: list[str], start: date, end: date, source: CandleSource,
                           overrides: dict[str, Any] | None = None, tp_pct: Decimal | None = None,
                           sl_pct: Decimal | None = None, fee_pct: Decimal | None = None,
                           attribution: bool = False) -> BacktestRequest:
    """A checked ``BacktestRequest`` on 5m steps from ``start`` (00:00 UTC) to ``end`` (exclusive).

    ``tp_pct``/``sl_pct``: price-move % for ema_cross (both required), % of margin for the
    others (the config's when None); ``fee_pct``: taker fee per fill in %. Raises Django's
    ``ValidationError`` naming each bad field (unknown strategy or override, empty or long
    period, a symbol without candles in the chosen source)."""
    unknown = sorted(set(overrides or {}) - set(OVERRIDE_FIELDS))
    if unknown:
        raise ValidationError({"overrides": [f"unknown override {name!r}" for name in unknown]})
    if end <= start:
        raise ValidationError({"end": ["must be after the start"]})
    if (end - start).days > BACKTEST_SPAN_DAYS_MAX:
        raise ValidationError({"end": [f"a run covers at most {BACKTEST_SPAN_DAYS_MAX} days"]})
    candles_dir = settings.KLINES_DIR if source == CandleSource.FILES else None
    request = BacktestRequest(
        strategy=strategy, symbols=_symbols_checked(symbols), start=day_start(start), end=day_start(end),
        candles_dir=candles_dir, overrides=dict(overrides or {}), tp_pct=tp_pct, sl_pct=sl_pct, fee_pct=fee_pct,
        attribution=attribution,
    )
    try:
        built = strategy_build(request)
    except ValueError as error:
        raise ValidationError({"strategy": [str(error)]}) from None
    if strategy == "ema_cross" and (tp_pct is None or sl_pct is None):
        raise ValidationError({"tp_pct": ["ema_cross needs tp_pct and sl_pct (price-move percentages)"]})
    try:
        settings_build(request)
    except (ValueError, TypeError) as error:
        raise ValidationError({"overrides": [str(error)]}) from None
    missing = _candles_missing(request=request, timeframes=built.timeframes)
    if missing:
        where = "in the candle files" if candles_dir is not None else "in the database for that period"
        raise ValidationError({"symbols": [f"no candles of {', '.join(missing)} {where}"]})
    return request


def backtests_active_count() -> int:
    """Runs pending or running now (stale ones, older than the task's time limit, not counted)."""
    return BacktestRun.objects.filter(status__in=(BacktestStatus.PENDING, BacktestStatus.RUNNING),
                                      created_at__gte=timezone.now() - BACKTEST_ACTIVE_WINDOW).count()


def backtests_expire(*, now: datetime | None = None) -> list[int]:
    """Mark failed, with the reason, the runs no worker can still be on, and push each to the pages:
    running since longer than the task's hard time limit (Celery kills a task then; a run that ends
    on its own, even by the soft limit, is marked done or failed by its worker), or pending that long
    (its queued task was lost). The run is not retried: a person starts it again. Returns the ids."""
    from trader.backtest.service import backtest_progress_push

    lost = lost_jobs_fail(model=BacktestRun, lost_after=BACKTEST_LOST_AFTER, error=BACKTEST_LOST_ERROR,
                          push=lambda run: backtest_progress_push(run=run), now=now)
    if lost:
        logger.warning("backtest runs %s marked failed: lost (no result %s min after they started or were queued)",
                       ", ".join(map(str, lost)), int(BACKTEST_LOST_AFTER.total_seconds() // 60),
                       extra={"category": Category.SYSTEM})
    return lost


def lost_jobs_fail(*, model: type[Model], lost_after: timedelta, error: str, push: Callable[[Any], object],
                   now: datetime | None = None) -> list[int]:
    """Mark failed the rows of ``model`` (``BacktestRun`` or ``BacktestStudy``) no worker can still be on:
    running since longer than ``lost_after`` or pending that long. ``error`` is formatted with
    ``minutes`` and ``what`` (started / was queued). Conditional per row, so a job its worker finishes
    meanwhile keeps its own outcome. Calls ``push`` with each; returns their ids."""
    now = now or timezone.now()
    cutoff = now - lost_after
    minutes = int(lost_after.total_seconds() // 60)
    lost = []
    for status, since, what in ((BacktestStatus.RUNNING, "started_at__lt", "started"),
                                (BacktestStatus.PENDING, "created_at__lt", "was queued")):
        for job_id in model.objects.filter(status=status, **{since: cutoff}).values_list("pk", flat=True):
            if model.objects.filter(pk=job_id, status=status).update(
                    status=BacktestStatus.FAILED, finished_at=now, error=error.format(minutes=minutes, what=what)):
                lost.append(job_id)
                push(model.objects.get(pk=job_id))
    return lost


def job_cancel(*, model: type[Model], job_id: int, actor: Actor, noun: str, action: str,
               push: Callable[[Any], object]) -> Any:
    """Cancel the pending or running row ``job_id`` of ``model`` (``BacktestRun`` or ``BacktestStudy``,
    called a ``noun`` in messages) for ``actor``, audited as ``action``: its status becomes cancelled at
    once, with who cancelled it, while what and at what progress in ``error``, so its slot is free at
    once. Its worker never starts a pending one and stops a running one at its next progress check
    (``trader.backtest.service.progress_cancellable``), storing no result. ``push`` sends it to the
    pages. ``ControlRefused`` for a job already finished; ``model.DoesNotExist``."""
    with transaction.atomic():
        job = model.objects.select_for_update().get(pk=job_id)
        if job.status not in (BacktestStatus.PENDING, BacktestStatus.RUNNING):
            raise ControlRefused(f"{noun} {job_id} is {job.status}: only a pending or running {noun} can be "
                                 "cancelled")
        was = job.status
        job.status, job.finished_at = BacktestStatus.CANCELLED, timezone.now()
        job.error = f"cancelled by {actor.described} while {was} at {job.progress_pct:.0f} %"
        job.save(update_fields=["status", "finished_at", "error"])
        audit_record(actor=actor, action=action, old=str(was), new=str(job.status),
                     detail=f"{noun} {job.pk} cancelled while {was} at {job.progress_pct:.0f} %")
    push(job)
    logger.info("%s %s cancelled by %s", noun, job.pk, actor.described, extra={"category": Category.SYSTEM})
    return job


def backtest_cancel(*, run_id: int, actor: Actor) -> BacktestRun:
    """Cancel a pending or running backtest run for ``actor`` (audited as ``backtest.cancel``): a pending
    one never starts, a running one stops at its next progress report (within
    ``trader.backtest.service.CANCEL_CHECK_EVERY_S``) and stores no result; its slot is free at once.
    ``ControlRefused`` for a run already finished; ``BacktestRun.DoesNotExist``."""
    from trader.backtest.service import backtest_progress_push

    return job_cancel(model=BacktestRun, job_id=run_id, actor=actor, noun="run", action="backtest.cancel",
                      push=lambda run: backtest_progress_push(run=run))


@transaction.atomic
def backtest_start(*, request: BacktestRequest, actor: Actor) -> BacktestRun:
    """Store ``request`` (from ``backtest_request_build``) as a pending run, queue the task on it
    once committed, and audit the start as ``actor``. ``BacktestBusy`` (nothing stored) while
    ``BACKTEST_ACTIVE_MAX`` runs are pending or running."""
    active = backtests_active_count()
    if active >= BACKTEST_ACTIVE_MAX:
        raise BacktestBusy(f"{active} backtests are already pending or running; start another when one has finished")
    run = backtest_queue(request=request)
    audit_record(actor=actor, action="backtest.start", new=request.as_json(),
                 detail=f"run {run.pk}: {request.strategy} on {', '.join(request.symbols)} "
                        f"{request.start:%Y-%m-%d} to {request.end:%Y-%m-%d}")
    logger.info("backtest run %s queued by %s", run.pk, actor.described, extra={"category": Category.SYSTEM})
    return run
