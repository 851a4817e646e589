"""Optimiser studies as an operator tool: started from the /backtests page, the API or the weekly
schedule; validated, stored, queued, audited, run by a worker with live progress, expired when lost.

A study becomes a pending ``BacktestStudy`` and the Celery task ``trader.backtest_study``
(analysis queue, like backtest runs) executes it with ``trader.backtest.optimise``,
pushing ``study.progress`` to the pages. One study at a time: it is the heaviest thing the
analysis queue runs. Nothing here writes the live config; a person applies a finished
study (``study_apply_for``), audited per changed field.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.logging import Category
from trader.backtest.optimise import MIN_TRADES_DEFAULT, OptimiseRequest, optimise, optimise_request_problems
from trader.backtest.service import (
    BacktestRequest,
    JobCancelled,
    job_claim,
    progress_cancellable,
    progress_recorder,
)
from trader.models import BacktestStatus, BacktestStudy, StudyOrigin
from trader.services.actor import Actor
from trader.services.audit import audit_record
from trader.services.backtest import CandleSource, backtest_request_build, day_start, job_cancel, lost_jobs_fail
from trader.services.status import ControlRefused

logger = logging.getLogger(__name__)

# trader.tasks.backtest_study's hard time limit, and the grace after it before a study still
# marked running (or pending) is called lost.
STUDY_TASK_TIME_LIMIT_S = 3 * 3_600
STUDY_LOST_AFTER = timedelta(seconds=STUDY_TASK_TIME_LIMIT_S) + timedelta(minutes=5)
STUDY_LOST_ERROR = ("lost: no result {minutes} min after it {what} (the worker stopped or restarted, or the queued "
                    "task was dropped); start it again")
STUDY_ACTIVE_MAX = 1
STUDY_FOLDS_MAX = 10
STUDY_TRIALS_MAX = 500
# The weekly proposal: the last four weeks, cut into four windows (three test weeks).
WEEKLY_DAYS = 28
WEEKLY_FOLDS = 3
WEEKLY_TRIALS = 30


class StudyBusy(ControlRefused):
    """A study is already pending or running; start one when it has finished."""


def study_request_build(*, strategy: str, symbols: list[str], start: date, end: date, source: CandleSource,
                        folds: int, trials: int, metric: str, min_trades: int = MIN_TRADES_DEFAULT,
                        seed: int = 42) -> OptimiseRequest:
    """A checked ``OptimiseRequest`` over whole UTC days. Raises Django's ``ValidationError`` with every
    problem at once, per field (the base backtest's: strategy, symbols, period, candles; the study's:
    metric, folds, trials, min_trades)."""
    problems: dict[str, list[str]] = {}
    try:
        base = backtest_request_build(strategy=strategy, symbols=symbols, start=start, end=end, source=source)
    except ValidationError as error:
        problems.update(error.message_dict)
        # The study's own checks still run, on what was asked, so the answer lists every problem.
        base = BacktestRequest(strategy=strategy, symbols=tuple(symbols), start=day_start(start),
                               end=day_start(end))
    if folds > STUDY_FOLDS_MAX:
        problems.setdefault("folds", []).append(f"at most {STUDY_FOLDS_MAX} folds")
    if trials > STUDY_TRIALS_MAX:
        problems.setdefault("trials", []).append(f"at most {STUDY_TRIALS_MAX} trials per window")
    request = OptimiseRequest(base=base, folds=folds, trials=trials, metric=metric, seed=seed, min_trades=min_trades)
    for problem in optimise_request_problems(request):
        problems.setdefault(_problem_field(problem), []).append(problem)
    if problems:
        raise ValidationError(problems)
    return request


def _problem_field(problem: str) -> str:
    """The request field an ``optimise_request_problems`` sentence is about."""
    for flag, field in (("--metric", "metric"), ("--folds", "folds"), ("--trials", "trials"),
                        ("--min-trades", "min_trades"), ("ema_cross", "strategy")):
        if problem.startswith(flag):
            return field
    return "non_field_errors"


def studies_active_count() -> int:
    """Studies pending or running now (stale ones, older than the task's time limit, not counted)."""
    return BacktestStudy.objects.filter(status__in=(BacktestStatus.PENDING, BacktestStatus.RUNNING),
                                        created_at__gte=timezone.now() - STUDY_LOST_AFTER).count()


@transaction.atomic
def study_start(*, request: OptimiseRequest, actor: Actor, origin: StudyOrigin,
                proposal: bool = False) -> BacktestStudy:
    """Store ``request`` (from ``study_request_build``) as a pending study, queue ``trader.backtest_study``
    on it once committed, and audit the start as ``actor`` (``backtest.study_start``). ``StudyBusy``
    (nothing stored) while another study is pending or running."""
    active = studies_active_count()
    if active >= STUDY_ACTIVE_MAX:
        raise StudyBusy("a study is already pending or running; start another when it has finished")
    study = BacktestStudy.objects.create(parameters=request.as_json(), origin=origin, proposal=proposal)
    base = request.base
    audit_record(actor=actor, action="backtest.study_start", new=request.as_json(),
                 detail=f"study {study.pk}: {base.strategy} on {', '.join(base.symbols)} {base.start:%Y-%m-%d} to "
                        f"{base.end:%Y-%m-%d}, {request.folds} folds x {request.trials} trials, {request.metric}")
    from config.celery import QUEUE_ANALYSIS
    from trader.tasks import backtest_study as study_task

    # The analysis queue, not the trader's: an hours-long search must never hold up a trading cycle.
    transaction.on_commit(lambda: study_task.apply_async((study.pk,), queue=QUEUE_ANALYSIS))
    logger.info("optimiser study %s queued by %s", study.pk, actor.described, extra={"category": Category.SYSTEM})
    return study


def study_progress_push(*, study: BacktestStudy) -> bool:
    """Push ``study``'s status to the pages (``Event.STUDY_PROGRESS`` on the dashboard group):
    ``{study_id, status, progress_pct, error, out_of_sample}`` (the headline once done). Best-effort:
    False when the bus is down."""
    from config.bus.push import push_event
    from config.bus.schema import Event, Group

    headline = None
    if study.status == BacktestStatus.DONE:
        from trader.backtest.selectors import backtest_study_summary

        summary = backtest_study_summary(study=study)["out_of_sample"]
        headline = {name: summary[name] for name in ("objective", "trades", "objective_mean", "objective_median",
                                                     "windows", "windows_under_min_trades")}
    return push_event(group=Group.DASHBOARD, event=Event.STUDY_PROGRESS, payload={
        "study_id": study.pk, "status": str(study.status), "progress_pct": study.progress_pct, "error": study.error,
        "proposal": study.proposal, "out_of_sample": headline})


def study_run_execute(*, study_id: int) -> BacktestStudy:
    """Run the stored request of study ``study_id``, saving (every ~2 %) and pushing (every ~5 %, at the
    start and the end) its progress, then its windows and recommendation. A failure is stored on the
    study and pushed instead of raised. Only a pending study starts; any other is returned as it is.
    A weekly proposal raises an alert when done; it is never applied here."""
    study, started = job_claim(model=BacktestStudy, job_id=study_id, noun="optimiser study")
    if not started:
        return study
    study_progress_push(study=study)
    running = BacktestStudy.objects.filter(pk=study_id, status=BacktestStatus.RUNNING)  # a cancel wins over all
    progress = progress_cancellable(job=study, progress=progress_recorder(
        job=study, push=lambda: study_progress_push(study=study)))
    try:
        outcome = optimise(request=OptimiseRequest.from_json(study.parameters), progress=progress)
    except JobCancelled:
        logger.info("optimiser study %s stopped: cancelled", study_id, extra={"category": Category.SYSTEM})
        study.refresh_from_db()
        return study
    except Exception as error:  # noqa: BLE001 - any failure is shown on the study, the worker carries on
        running.update(status=BacktestStatus.FAILED, finished_at=timezone.now(),
                       error=f"{type(error).__name__}: {error}")
        study.refresh_from_db()
        study_progress_push(study=study)
        return study
    finished = running.update(status=BacktestStatus.DONE, finished_at=timezone.now(), progress_pct=100.0,
                              folds=outcome["folds"], recommended=outcome["recommended"])
    study.refresh_from_db()
    if not finished:
        return study  # cancelled after its last progress check: it stays cancelled
    study_progress_push(study=study)
    if study.proposal:
        _proposal_announce(study=study, out_of_sample=outcome["out_of_sample"])
    return study


def _proposal_announce(*, study: BacktestStudy, out_of_sample: dict[str, Any]) -> None:
    from trader.services.alerts import AlertKind, alert_send

    alert_send(kind=AlertKind.STUDY_PROPOSAL, message=(
        f"study {study.pk} proposes {study.recommended}; out of sample {out_of_sample['trades']} trades, "
        f"{out_of_sample['objective']} median {out_of_sample['objective_median']}. Not applied: review it on "
        f"/backtests/studies/{study.pk}"))


def studies_expire(*, now: datetime | None = None) -> list[int]:
    """Mark failed, with the reason, the studies no worker can still be on: running since longer than
    ``STUDY_LOST_AFTER`` (the task's hard limit and a grace) or pending that long. Pushes each to the
    pages; returns their ids."""
    lost = lost_jobs_fail(model=BacktestStudy, lost_after=STUDY_LOST_AFTER, error=STUDY_LOST_ERROR,
                          push=lambda study: study_progress_push(study=study), now=now)
    if lost:
        logger.warning("optimiser studies %s marked failed: lost (no result %s min after they started or were "
                       "queued)", ", ".join(map(str, lost)), int(STUDY_LOST_AFTER.total_seconds() // 60),
                       extra={"category": Category.SYSTEM})
    return lost


def study_cancel(*, study_id: int, actor: Actor) -> BacktestStudy:
    """Cancel a pending or running study for ``actor`` (audited as ``backtest.study_cancel``): a pending
    one never starts, a running one stops at its next trial (within
    ``trader.backtest.service.CANCEL_CHECK_EVERY_S``) and keeps no result. It frees the one-study slot at
    once, also for a study whose worker is gone. ``ControlRefused`` for a study already finished;
    ``BacktestStudy.DoesNotExist``."""
    return job_cancel(model=BacktestStudy, job_id=study_id, actor=actor, noun="study",
                      action="backtest.study_cancel", push=lambda study: study_progress_push(study=study))


def study_apply_for(*, study_id: int, actor: Actor) -> BacktestStudy:
    """Apply a finished study's recommendation to the live config for ``actor`` (each changed field audited
    by the config service, the application itself as ``backtest.study_apply``). ``ControlRefused`` for a
    study that is not done; ``BacktestStudy.DoesNotExist``; ``ValidationError`` leaves the config as it was."""
    from trader.backtest.optimise import study_apply

    study = BacktestStudy.objects.get(pk=study_id)
    if study.status != BacktestStatus.DONE or not study.recommended:
        raise ControlRefused(f"study {study_id} is {study.status}: only a finished study can be applied")
    with transaction.atomic():
        study = study_apply(study_id=study_id, actor=actor)
        audit_record(actor=actor, action="backtest.study_apply", new=study.recommended,
                     detail=f"study {study.pk} applied to the live config")
    return study


def study_propose_weekly(*, days: int = WEEKLY_DAYS, folds: int = WEEKLY_FOLDS, trials: int = WEEKLY_TRIALS,
                         symbols: list[str] | None = None, source: str = CandleSource.DATABASE.value,
                         today: date | None = None) -> BacktestStudy | None:
    """Start the weekly proposal: a study of the config's first optimisable strategy on its traded symbols
    (``symbols`` when given) over the last ``days`` whole UTC days before ``today`` of the stored candles
    (or the server's kline files, ``source`` "files"), ``proposal`` set.
    It is never applied: a person reviews it. None (logged) when nothing can be studied or another study
    is active."""
    from trader.services.config import config_get

    config = config_get()
    strategy = next((name for name in config.strategies if name != "ema_cross"), "scanner")
    end = today or timezone.now().date()
    start = end - timedelta(days=days)
    chosen = symbols or _symbols_with_candles(config=config, since=start)
    if not chosen:
        logger.warning("weekly optimiser proposal skipped: no symbol has candles since %s", start,
                       extra={"category": Category.SYSTEM})
        return None
    try:
        request = study_request_build(strategy=strategy, symbols=chosen, start=start, end=end,
                                      source=CandleSource(source), folds=folds, trials=trials,
                                      metric="sharpe_adj")
        return study_start(request=request, actor=Actor.for_command(name="study_weekly"),
                           origin=StudyOrigin.SCHEDULE, proposal=True)
    except (ValidationError, StudyBusy) as error:
        logger.warning("weekly optimiser proposal skipped: %s", error, extra={"category": Category.SYSTEM})
        return None


def _symbols_with_candles(*, config: Any, since: date) -> list[str]:
    """The enabled symbols (the whitelist when set, less the blacklist) with 5m candles since ``since``."""
    from django.db.models import Exists, OuterRef

    from ta.models import Candle, Symbol
    from trader.services.backtest import BACKTEST_SYMBOLS_MAX

    # One index probe per coin: four weeks of 5m candles are ~230,000 rows, not to be read for their names.
    recent = Candle.objects.filter(symbol=OuterRef("pk"), timeframe="5m", open_time__gte=day_start(since))
    names = sorted(Symbol.objects.filter(enabled=True).filter(Exists(recent)).values_list("symbol", flat=True))
    if config.coin_whitelist:
        names = [name for name in names if name in config.coin_whitelist]
    return [name for name in names if name not in (config.coin_blacklist or [])][:BACKTEST_SYMBOLS_MAX]
