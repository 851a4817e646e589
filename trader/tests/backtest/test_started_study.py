"""A study started for a person goes through the real Celery worker and its progress reaches the pages' group."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from config.bus.schema import Event, group_live_page
from trader.models import BacktestStatus, StudyOrigin
from trader.services.actor import Actor
from trader.services.backtest import CandleSource
from trader.services.study import study_request_build, study_start

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
BACKTESTS_PAGE = group_live_page("backtests")


async def _events_until_finished(channel: str, *, timeout_s: float) -> list[dict]:
    layer = get_channel_layer()
    events: list[dict] = []
    async with asyncio.timeout(timeout_s):
        while True:
            message = json.loads((await layer.receive(channel))["text"])
            if message["event"] == str(Event.STUDY_PROGRESS):
                events.append(message["data"])
                if message["data"]["status"] in (BacktestStatus.DONE, BacktestStatus.FAILED):
                    return events


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
    events = async_to_sync(_events_until_finished)(channel, timeout_s=90)
    async_to_sync(layer.group_discard)(BACKTESTS_PAGE, channel)

    study.refresh_from_db()
    assert (study.status, study.progress_pct) == (BacktestStatus.DONE, 100.0), study.error
    assert {event["study_id"] for event in events} == {study.pk}
    assert events[0]["status"] == "running" and events[-1]["status"] == "done"
    assert events[-1]["out_of_sample"]["windows"] == 1
    percents = [event["progress_pct"] for event in events]
    assert percents == sorted(percents), percents
