"""Optimiser studies for operators: what is refused (every problem at once), stored, queued, audited,
run, expired when lost, and the weekly proposal that is never applied."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from trader.models import AuditEntry, BacktestStatus, BacktestStudy, StudyOrigin
from trader.services.actor import Actor
from trader.services.backtest import CandleSource
from trader.services.config import config_as_dict, config_get
from trader.services.status import ControlRefused
from trader.services.study import (
    StudyBusy,
    studies_active_count,
    studies_expire,
    study_cancel,
    study_propose_weekly,
    study_request_build,
    study_run_execute,
    study_start,
)

pytestmark = pytest.mark.django_db
ACTOR = Actor.for_api_key(name="ops")


@pytest.fixture(autouse=True)
def _candle_files(settings, klines_dir):
    settings.KLINES_DIR = klines_dir


def tiny_request(**changes):
    values = dict(strategy="scanner", symbols=["SOLUSDT"], start=date(2024, 3, 1), end=date(2024, 3, 7),
                  source=CandleSource.FILES, folds=1, trials=2, metric="sharpe_adj", min_trades=0)
    values.update(changes)
    return study_request_build(**values)


def test_a_bad_request_names_every_problem_at_once():
    with pytest.raises(ValidationError) as refused:
        tiny_request(symbols=["NOPEUSDT"], metric="luck", min_trades=-1, trials=501)
    fields = refused.value.message_dict
    assert "no candles of NOPEUSDT" in fields["symbols"][0]
    assert "is not one of sharpe_adj" in fields["metric"][0]
    assert "--min-trades must be 0 or more" in fields["min_trades"][0]
    assert fields["trials"] == ["at most 500 trials per window"]
    with pytest.raises(ValidationError) as refused:
        tiny_request(strategy="ema_cross")
    assert any("ema_cross cannot be optimised" in problem for problem in refused.value.message_dict["strategy"])


def test_a_started_study_is_pending_queued_once_committed_audited_and_alone(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        study = study_start(request=tiny_request(), actor=ACTOR, origin=StudyOrigin.API)
    assert len(queued) == 1, "the task is queued only once the study is committed"
    assert (study.status, study.origin, study.proposal) == (BacktestStatus.PENDING, "api", False)
    assert study.parameters["min_trades"] == 0 and study.parameters["metric"] == "sharpe_adj"
    entry = AuditEntry.objects.get(action="backtest.study_start")
    assert entry.actor == "api-key:ops" and entry.detail.startswith(f"study {study.pk}: scanner on SOLUSDT")
    with pytest.raises(StudyBusy):
        study_start(request=tiny_request(), actor=ACTOR, origin=StudyOrigin.API)
    assert BacktestStudy.objects.count() == 1


def test_a_study_run_in_process_stores_its_windows_and_out_of_sample_figures():
    study = study_start(request=tiny_request(), actor=ACTOR, origin=StudyOrigin.PAGE)
    done = study_run_execute(study_id=study.pk)
    assert (done.status, done.progress_pct, done.error) == (BacktestStatus.DONE, 100.0, "")
    assert len(done.folds) == 1 and set(done.recommended) >= {"long_threshold", "tp_pct"}
    assert done.started_at is not None and done.finished_at >= done.started_at
    assert study_run_execute(study_id=study.pk).status == BacktestStatus.DONE, "a finished study is not run again"


def test_a_cancelled_pending_study_never_runs(caplog):
    study = study_start(request=tiny_request(), actor=ACTOR, origin=StudyOrigin.API)
    cancelled = study_cancel(study_id=study.pk, actor=ACTOR)
    assert cancelled.status == BacktestStatus.CANCELLED and cancelled.finished_at is not None
    assert study_run_execute(study_id=study.pk).status == BacktestStatus.CANCELLED
    assert BacktestStudy.objects.get(pk=study.pk).started_at is None, "the worker did not start it"
    audit = AuditEntry.objects.get(action="backtest.study_cancel")
    assert "pending" in audit.old_value and "cancelled" in audit.new_value
    assert audit.detail == f"study {study.pk} cancelled while pending at 0 %"
    with pytest.raises(ControlRefused, match="only a pending or running study"):
        study_cancel(study_id=study.pk, actor=ACTOR)


def test_a_running_study_stops_at_its_next_trial_once_cancelled_and_keeps_no_result(monkeypatch):
    import trader.services.study as study_module

    monkeypatch.setattr("trader.backtest.service.CANCEL_CHECK_EVERY_S", 0.0)
    real_optimise, runs = study_module.optimise, []
    study = study_start(request=tiny_request(trials=4), actor=ACTOR, origin=StudyOrigin.PAGE)

    def optimise_cancelled_after_the_first_trial(*, request, progress):
        def hook(done, total):
            runs.append(done)
            if done == 1:  # a person presses Cancel while the first trial has just run
                study_cancel(study_id=study.pk, actor=Actor.for_api_key(name="night-shift"))
            progress(done, total)
        return real_optimise(request=request, progress=hook)

    monkeypatch.setattr(study_module, "optimise", optimise_cancelled_after_the_first_trial)
    stopped = study_run_execute(study_id=study.pk)
    assert runs == [1], "no trial ran after the cancel (5 would have run)"
    assert (stopped.status, stopped.folds, stopped.recommended) == (BacktestStatus.CANCELLED, [], {})
    assert "cancelled by API key 'night-shift' while running" in stopped.error
    assert studies_active_count() == 0


def _study(status, *, created_ago_min=0, started_ago_min=None):
    now = timezone.now()
    study = BacktestStudy.objects.create(status=status)
    started = None if started_ago_min is None else now - timedelta(minutes=started_ago_min)
    BacktestStudy.objects.filter(pk=study.pk).update(created_at=now - timedelta(minutes=created_ago_min),
                                                     started_at=started)
    return study.pk


def test_studies_past_the_three_hour_limit_are_marked_failed_as_lost_and_the_rest_untouched():
    from trader.tasks import backtests_expire

    lost_running = _study(BacktestStatus.RUNNING, created_ago_min=200, started_ago_min=190)
    lost_pending = _study(BacktestStatus.PENDING, created_ago_min=190)
    running = _study(BacktestStatus.RUNNING, created_ago_min=200, started_ago_min=120)  # within the 3 h limit
    assert backtests_expire() == {"runs": [], "studies": sorted([lost_running, lost_pending])}
    studies = {study.pk: study for study in BacktestStudy.objects.all()}
    assert studies[lost_running].error.startswith("lost: no result 185 min after it started")
    assert studies[lost_pending].status == BacktestStatus.FAILED
    assert studies[running].status == BacktestStatus.RUNNING
    assert studies_expire() == []  # once


def test_the_weekly_schedule_proposes_a_study_and_never_applies_it(caplog):
    from trader.tasks import study_weekly

    before = config_as_dict(config_get())
    week = dict(days=6, folds=1, trials=2, symbols=["SOLUSDT"], source="files", today=date(2024, 3, 7))
    study = BacktestStudy.objects.get(pk=study_weekly(**week))
    assert (study.proposal, study.origin, study.status) == (True, "schedule", BacktestStatus.PENDING)
    assert (study.parameters["request"]["strategy"], study.parameters["request"]["start"][:10]) == ("scanner",
                                                                                                   "2024-03-01")
    with caplog.at_level(logging.WARNING):
        done = study_run_execute(study_id=study.pk)
    assert done.status == BacktestStatus.DONE and done.recommended
    assert done.applied_at is None and not AuditEntry.objects.filter(action__startswith="config.").exists()
    assert config_as_dict(config_get()) == before, "a proposal never changes the live config"
    assert f"Optimiser proposal: study {study.pk} proposes" in caplog.text
    assert study_weekly(**week) is not None, "the next week proposes again once this one is done"


def test_the_weekly_schedule_skips_when_a_study_is_active():
    study_start(request=tiny_request(), actor=ACTOR, origin=StudyOrigin.API)
    assert study_propose_weekly(days=6, folds=1, trials=2, symbols=["SOLUSDT"], source="files",
                                today=date(2024, 3, 7)) is None


def test_the_weekly_proposal_studies_the_enabled_coins_with_recent_candles_less_the_blacklist():
    from decimal import Decimal

    from ta.models import Candle, Symbol
    from trader.services.config import config_update
    from trader.services.study import _symbols_with_candles

    today = date(2024, 3, 29)

    def candle(symbol: str, day: date) -> None:
        price = Decimal(100)
        Candle.objects.create(symbol=Symbol.objects.get(symbol=symbol), timeframe="5m",
                              open_time=timezone.make_aware(datetime.combine(day, time(12)), UTC), open=price,
                              high=price, low=price, close=price, volume=1)

    for symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"):
        candle(symbol, today - timedelta(days=3))
    candle("XRPUSDT", today - timedelta(days=40))  # older than the four weeks studied
    Symbol.objects.filter(symbol="DOGEUSDT").update(enabled=False)
    config_update(changes={"coin_blacklist": ["ETHUSDT"]}, actor=ACTOR)
    assert _symbols_with_candles(config=config_get(), since=today - timedelta(days=28)) == ["BTCUSDT", "SOLUSDT"]
