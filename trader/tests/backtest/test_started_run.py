"""A run or an optimiser study started for a person goes through the real Celery worker and its progress
reaches the pages' group."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import date
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from config.bus.schema import Event, group_live_page
from trader.models import BacktestRun, BacktestStatus, StudyOrigin
from trader.services.actor import Actor
from trader.services.backtest import CandleSource, backtest_request_build, backtest_start
from trader.services.study import study_request_build, study_start

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
CANDLES_5M_PER_DAY = 288
BACKTESTS_PAGE = group_live_page("backtests")


def small_candle_files(klines_dir, folder, *, symbol: str, days: int) -> None:
    """The first ``days`` days of the real 5m file of ``symbol``, as a small CSV in ``folder``."""
    with gzip.open(klines_dir / f"{symbol}-5m.csv.gz", "rt") as source:
        lines = [next(source) for _ in range(1 + days * CANDLES_5M_PER_DAY)]
    (folder / f"{symbol}-5m.csv").write_text("".join(lines))


async def _events_until_finished(channel: str, *, timeout_s: float,
                                  event: Event = Event.BACKTEST_PROGRESS) -> list[dict]:
    """The ``event`` messages the backtests page's sockets receive, until the job is done or failed."""
    layer = get_channel_layer()
    events: list[dict] = []
    async with asyncio.timeout(timeout_s):
        while True:
            message = json.loads((await layer.receive(channel))["text"])
            if message["event"] == str(event):
                events.append(message["data"])
                if message["data"]["status"] in (BacktestStatus.DONE, BacktestStatus.FAILED):
                    return events


def test_a_started_run_is_executed_by_the_worker_and_its_progress_is_pushed(celery_worker_process, klines_dir,
                                                                            tmp_path, settings):
    small_candle_files(klines_dir, tmp_path, symbol="SOLUSDT", days=4)
    settings.KLINES_DIR = tmp_path
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(BACKTESTS_PAGE, channel)

    request = backtest_request_build(strategy="ema_cross", symbols=["SOLUSDT"], start=date(2024, 1, 2),
                                     end=date(2024, 1, 5), source=CandleSource.FILES, tp_pct=Decimal("0.5"),
                                     sl_pct=Decimal("0.5"))
    run = backtest_start(request=request, actor=Actor.for_api_key(name="ops"))
    events = async_to_sync(_events_until_finished)(channel, timeout_s=60)
    async_to_sync(layer.group_discard)(BACKTESTS_PAGE, channel)

    run.refresh_from_db()
    assert (run.status, run.progress_pct) == (BacktestStatus.DONE, 100.0), run.error
    assert run.trades.count() == run.metrics["trades"] > 0
    assert {event["run_id"] for event in events} == {run.pk}
    assert events[0]["status"] == "running" and events[-1]["status"] == "done"
    assert events[-1]["metrics"]["trades"] == run.metrics["trades"]
    percents = [event["progress_pct"] for event in events]
    assert percents == sorted(percents) and 2 < len(events) <= 2 + 100 // 5, percents


def test_a_run_whose_candles_vanished_is_pushed_as_failed(celery_worker_process, klines_dir, tmp_path, settings):
    small_candle_files(klines_dir, tmp_path, symbol="SOLUSDT", days=2)
    settings.KLINES_DIR = tmp_path
    request = backtest_request_build(strategy="ema_cross", symbols=["SOLUSDT"], start=date(2024, 1, 1),
                                     end=date(2024, 1, 2), source=CandleSource.FILES, tp_pct=Decimal("0.5"),
                                     sl_pct=Decimal("0.5"))
    (tmp_path / "SOLUSDT-5m.csv").unlink()  # gone between the check and the worker's read
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(BACKTESTS_PAGE, channel)
    run = backtest_start(request=request, actor=Actor.for_api_key(name="ops"))
    events = async_to_sync(_events_until_finished)(channel, timeout_s=60)
    async_to_sync(layer.group_discard)(BACKTESTS_PAGE, channel)

    assert events[-1]["status"] == "failed" and "SOLUSDT-5m" in events[-1]["error"]
    assert BacktestRun.objects.get(pk=run.pk).status == BacktestStatus.FAILED


def test_a_started_study_is_run_by_the_worker_and_its_progress_is_pushed(celery_worker_process, klines_dir,
                                                                         settings):
    settings.KLINES_DIR = klines_dir  # the scanner reads 5m, 1h and 4h files
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(BACKTESTS_PAGE, channel)

    request = study_request_build(strategy="scanner", symbols=["SOLUSDT"], start=date(2024, 3, 1),
                                  end=date(2024, 3, 7), source=CandleSource.FILES, folds=1, trials=2,
                                  metric="sharpe_adj", min_trades=0)
    study = study_start(request=request, actor=Actor.for_api_key(name="ops"), origin=StudyOrigin.API)
    events = async_to_sync(_events_until_finished)(channel, timeout_s=90, event=Event.STUDY_PROGRESS)
    async_to_sync(layer.group_discard)(BACKTESTS_PAGE, channel)

    study.refresh_from_db()
    assert (study.status, study.progress_pct) == (BacktestStatus.DONE, 100.0), study.error
    assert {event["study_id"] for event in events} == {study.pk}
    assert events[0]["status"] == "running" and events[-1]["status"] == "done"
    assert events[-1]["out_of_sample"]["windows"] == 1
    percents = [event["progress_pct"] for event in events]
    assert percents == sorted(percents), percents
