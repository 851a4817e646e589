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
