"""The market tasks on a real Celery worker, and their beat schedules."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from config.schedules import schedules_apply
from ta.models import Candle
from ta.tasks.market import fetch_candles
from ta.testing.symbols import symbols_seed


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_fetches_and_returns_the_symbols_that_changed(celery_worker_process):
    symbols_seed()  # an earlier transactional test may have flushed the seeded universe
    result = fetch_candles.apply_async(kwargs={"timeframes": ["5m"], "symbols": ["BTCUSDT", "SOLUSDT"]})
    assert result.get(timeout=60)["symbols_changed"] == ["BTCUSDT", "SOLUSDT"]
    assert result.get()["errors"] == []
    assert Candle.objects.filter(symbol__symbol="SOLUSDT", timeframe="5m").count() >= 500  # the first-run backfill


@pytest.mark.django_db
def test_setup_schedules_creates_the_seed_intervals_editable_in_the_admin():
    schedules_apply()
    fast = PeriodicTask.objects.get(name="market: fetch 5m candles")
    slow = PeriodicTask.objects.get(name="market: fetch 1h and 4h candles")
    assert (fast.task, fast.interval.every) == ("market.fetch_candles", 30)
    assert fast.kwargs == '{"backfill_missing": ["1h", "4h"], "timeframes": ["5m"]}'
    assert (slow.task, slow.interval.every) == ("market.fetch_candles", 300)
    assert slow.kwargs == '{"timeframes": ["1h", "4h"]}'
    assert fast.enabled and slow.enabled


def test_the_task_is_routed_to_the_market_queue():
    from config.celery import app

    assert app.amqp.router.route({}, "market.fetch_candles")["queue"].name == "market"


@pytest.mark.django_db
def test_the_derivatives_fetch_is_scheduled_every_minute_and_fills_the_series(settings):
    from ta.models import DerivativesPoint
    from ta.tasks.market import fetch_derivatives

    schedules_apply()
    task = PeriodicTask.objects.get(name="market: fetch derivatives data")
    assert (task.task, task.interval.every) == ("market.fetch_derivatives", 60)
    settings.MARKET_DATA_SOURCE = "simulated"
    settings.DERIVATIVES_BACKFILL_DAYS = 1
    result = fetch_derivatives.run(symbols=["ETHUSDT"])
    assert result["errors"] == [] and result["rows_changed"] > 0
    assert DerivativesPoint.objects.filter(symbol__symbol="ETHUSDT", period="5m", open_interest__isnull=False).exists()
    settings.DERIVATIVES_ENABLED = False
    assert "disabled" in fetch_derivatives.run()["errors"][0]
