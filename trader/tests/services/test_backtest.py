"""Starting a backtest for a person: what is refused (and why), what is stored, queued and audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from trader.models import AuditEntry, AuditVia, BacktestRun, BacktestStatus
from trader.services.actor import Actor
from trader.services.backtest import (
    BACKTEST_ACTIVE_MAX,
    BacktestBusy,
    CandleSource,
    backtest_request_build,
    backtest_start,
)

pytestmark = pytest.mark.django_db
ACTOR = Actor.for_api_key(name="ops")


@pytest.fixture(autouse=True)
def _candle_files(settings, klines_dir):
    settings.KLINES_DIR = klines_dir


def request_for(**changes):
    values = dict(strategy="ema_cross", symbols=["solusdt"], start=date(2024, 2, 1), end=date(2024, 2, 4),
                  source=CandleSource.FILES, tp_pct=Decimal("0.5"), sl_pct=Decimal("0.5"))
    values.update(changes)
    return backtest_request_build(**values)


def refused_fields(**changes) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        request_for(**changes)
    return refused.value.message_dict


def test_a_started_run_is_stored_pending_queued_once_committed_and_audited(django_capture_on_commit_callbacks,
                                                                           klines_dir):
    request = request_for(overrides={"starting_balance": Decimal(5000)})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = backtest_start(request=request, actor=ACTOR)
    assert len(queued) == 1, "the task is queued only when the run is committed"
    assert (run.status, run.progress_pct, run.symbols, run.strategy) == (BacktestStatus.PENDING, 0.0, ["SOLUSDT"],
                                                                         "ema_cross")
    assert run.parameters["candles_dir"] == str(klines_dir)
    assert run.parameters["overrides"] == {"starting_balance": "5000"}
    entry = AuditEntry.objects.get(action="backtest.start")
    assert (entry.actor, entry.via) == ("api-key:ops", AuditVia.API)
    assert f"run {run.pk}: ema_cross on SOLUSDT 2024-02-01 to 2024-02-04" == entry.detail


def test_bad_requests_are_refused_naming_the_field():
    assert "unknown strategy 'moon'" in refused_fields(strategy="moon")["strategy"][0]
    assert refused_fields(end=date(2024, 2, 1))["end"] == ["must be after the start"]
    assert "at most 366 days" in refused_fields(end=date(2025, 3, 1))["end"][0]
    assert "needs tp_pct and sl_pct" in refused_fields(tp_pct=None)["tp_pct"][0]
    assert "no candles of NOPEUSDT 5m in the candle files" in refused_fields(symbols=["NOPEUSDT"])["symbols"][0]
    assert refused_fields(symbols=["BTCUSDT", "btcusdt"])["symbols"] == ["lists a symbol twice"]
    assert refused_fields(symbols=[])["symbols"] == ["name at least one symbol"]
    assert refused_fields(overrides={"kill_switch_drawdown_pct": None})["overrides"] == [
        "unknown override 'kill_switch_drawdown_pct'"]
    database = refused_fields(source=CandleSource.DATABASE)["symbols"][0]
    assert "no candles of SOLUSDT 5m in the database for that period" in database
    assert BacktestRun.objects.count() == 0


def test_a_new_run_waits_while_the_queue_is_full():
    for _ in range(BACKTEST_ACTIVE_MAX):
        backtest_start(request=request_for(), actor=ACTOR)
    with pytest.raises(BacktestBusy, match="already pending or running"):
        backtest_start(request=request_for(), actor=ACTOR)
    assert BacktestRun.objects.count() == BACKTEST_ACTIVE_MAX
    BacktestRun.objects.update(status=BacktestStatus.DONE)
    assert backtest_start(request=request_for(), actor=ACTOR).status == BacktestStatus.PENDING


# --- runs whose worker was lost -------------------------------------------------------------------
def _run(status, *, created_ago_min=0, started_ago_min=None):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    run = BacktestRun.objects.create(strategy="scanner", status=status)
    started = None if started_ago_min is None else now - timedelta(minutes=started_ago_min)
    BacktestRun.objects.filter(pk=run.pk).update(created_at=now - timedelta(minutes=created_ago_min),
                                                 started_at=started)
    return run.pk


def test_runs_past_the_task_time_limit_are_marked_failed_as_lost_and_the_rest_untouched():
    from trader.services.backtest import backtests_expire

    lost_running = _run(BacktestStatus.RUNNING, created_ago_min=70, started_ago_min=66)
    lost_pending = _run(BacktestStatus.PENDING, created_ago_min=66)
    running = _run(BacktestStatus.RUNNING, created_ago_min=70, started_ago_min=20)  # queued long, running now
    pending = _run(BacktestStatus.PENDING, created_ago_min=10)
    done = _run(BacktestStatus.DONE, created_ago_min=600, started_ago_min=599)

    assert sorted(backtests_expire()) == sorted([lost_running, lost_pending])
    runs = {run.pk: run for run in BacktestRun.objects.all()}
    assert runs[lost_running].status == runs[lost_pending].status == BacktestStatus.FAILED
    assert runs[lost_running].error.startswith("lost: no result 65 min after it started")
    assert runs[lost_pending].error.startswith("lost: no result 65 min after it was queued")
    assert runs[lost_running].finished_at is not None
    assert (runs[running].status, runs[pending].status, runs[done].status) == (
        BacktestStatus.RUNNING, BacktestStatus.PENDING, BacktestStatus.DONE)
    assert backtests_expire() == []  # once


def test_a_run_marked_lost_is_not_started_when_its_task_arrives_late():
    from trader.backtest.service import backtest_run_execute

    run_id = _run(BacktestStatus.FAILED, created_ago_min=70)
    BacktestRun.objects.filter(pk=run_id).update(error="lost: ...")
    run = backtest_run_execute(run_id=run_id)
    assert (run.status, run.error, run.started_at) == (BacktestStatus.FAILED, "lost: ...", None)


def test_the_lost_cutoff_follows_the_task_hard_time_limit():
    from trader.services.backtest import BACKTEST_LOST_AFTER, BACKTEST_TASK_TIME_LIMIT_S
    from trader.tasks import backtest_run

    assert backtest_run.time_limit == BACKTEST_TASK_TIME_LIMIT_S
    assert BACKTEST_LOST_AFTER.total_seconds() > backtest_run.time_limit


# --- cancelled runs --------------------------------------------------------------------------------
def test_a_cancelled_pending_run_never_runs_and_frees_its_slot():
    from trader.backtest.service import backtest_run_execute
    from trader.services.backtest import backtest_cancel
    from trader.services.status import ControlRefused

    runs = [backtest_start(request=request_for(), actor=ACTOR) for _ in range(BACKTEST_ACTIVE_MAX)]
    cancelled = backtest_cancel(run_id=runs[0].pk, actor=Actor.for_api_key(name="night-shift"))
    assert cancelled.status == BacktestStatus.CANCELLED and cancelled.finished_at is not None
    assert cancelled.error == "cancelled by API key 'night-shift' while pending at 0 %"
    assert backtest_start(request=request_for(), actor=ACTOR).status == BacktestStatus.PENDING, "slot freed"
    assert backtest_run_execute(run_id=runs[0].pk).status == BacktestStatus.CANCELLED
    assert BacktestRun.objects.get(pk=runs[0].pk).started_at is None, "the worker did not start it"
    audit = AuditEntry.objects.get(action="backtest.cancel")
    assert (audit.actor, audit.detail) == ("api-key:night-shift", f"run {runs[0].pk} cancelled while pending at 0 %")
    with pytest.raises(ControlRefused, match="only a pending or running run"):
        backtest_cancel(run_id=runs[0].pk, actor=ACTOR)


def test_a_running_run_stops_at_its_next_progress_report_once_cancelled_and_stores_nothing(monkeypatch):
    import trader.backtest.service as service_module
    from trader.services.backtest import backtest_cancel

    monkeypatch.setattr(service_module, "CANCEL_CHECK_EVERY_S", 0.0)
    run = backtest_start(request=request_for(), actor=ACTOR)
    real_execute, reports = service_module.backtest_execute, []

    def execute_cancelled_at_the_first_report(*, request, progress):
        def hook(done, total):
            reports.append(done)
            if len(reports) == 1:  # a person presses Cancel while the run is under way
                backtest_cancel(run_id=run.pk, actor=ACTOR)
            progress(done, total)
        return real_execute(request=request, progress=hook)

    monkeypatch.setattr(service_module, "backtest_execute", execute_cancelled_at_the_first_report)
    stopped = service_module.backtest_run_execute(run_id=run.pk)
    assert len(reports) == 1, "the simulation stopped at the report after the cancel"
    assert (stopped.status, stopped.metrics, stopped.trades.count()) == (BacktestStatus.CANCELLED, {}, 0)
    assert "cancelled by API key 'ops' while running" in stopped.error


def test_a_run_cancelled_after_its_last_progress_report_keeps_no_result(monkeypatch):
    import trader.backtest.service as service_module
    from trader.services.backtest import backtest_cancel

    run = backtest_start(request=request_for(), actor=ACTOR)
    real_execute = service_module.backtest_execute

    def execute_then_cancelled(*, request, progress):
        report = real_execute(request=request, progress=progress)
        backtest_cancel(run_id=run.pk, actor=ACTOR)  # while the worker was about to store the result
        return report

    monkeypatch.setattr(service_module, "backtest_execute", execute_then_cancelled)
    stopped = service_module.backtest_run_execute(run_id=run.pk)
    assert (stopped.status, stopped.metrics, stopped.trades.count()) == (BacktestStatus.CANCELLED, {}, 0)
