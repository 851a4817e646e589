"""The fetch service end to end on the fake Binance: backfill, resume, gaps, the symbol table,
bans and regional blocks, malformed data, and the signal that chains the analysis."""

from __future__ import annotations

import csv
import gzip
import itertools
import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from ta.models import Candle, MarketFeedState, Symbol
from ta.services.fetch import market_fetch
from ta.signals import candles_updated
from ta.sources.base import to_millis
from ta.sources.binance import BinanceSource
from ta.testing.fake_binance import Fault
from ta.tests.conftest import FAKE_BINANCE_NOW

pytestmark = [pytest.mark.klines, pytest.mark.django_db]


def file_rows(klines_dir, name):
    with gzip.open(klines_dir / name, "rt", newline="") as handle:
        return {int(row[0]): [Decimal(v) for v in row[1:]] for row in list(csv.reader(handle))[1:]}


@pytest.fixture
def binance(fake_binance, recording_sleep):
    source = BinanceSource(base_url=fake_binance.base_url, sleep=recording_sleep, timeout_s=5)
    yield source
    source.close()


def fetch(source, fake, *, symbols=("BTCUSDT",), timeframes=("5m",), backfill=50, **kwargs):
    return market_fetch(timeframes=list(timeframes), symbols=list(symbols), source=source, backfill=backfill,
                        wall_now=fake.now, **kwargs)


def series(symbol="BTCUSDT", timeframe="5m"):
    return Candle.objects.filter(symbol__symbol=symbol, timeframe=timeframe).order_by("open_time")


def test_first_run_backfills_the_real_candles_with_the_forming_one_last(binance, fake_binance, klines_dir):
    report = fetch(binance, fake_binance, timeframes=("5m", "1h", "4h"))
    assert report.errors == [] and report.symbols_changed == ["BTCUSDT"]
    rows = file_rows(klines_dir, "BTCUSDT-5m.csv.gz")
    five = list(series())
    assert len(five) == 50
    assert [c.is_closed for c in five[-2:]] == [True, False]  # 12:00 is forming at 12:02:30
    for candle in five:
        assert [candle.open, candle.high, candle.low, candle.close, candle.volume] == rows[to_millis(candle.open_time)]
    assert series(timeframe="1h").count() == 50 and series(timeframe="4h").count() == 50


def test_a_long_backfill_is_paginated_at_the_cap(binance, fake_binance):
    fetch(binance, fake_binance, backfill=2500)
    limits = [r.params["limit"] for r in fake_binance.klines_requests]
    assert limits == ["1000", "1000", "1000"]
    assert series().count() == 2500
    times = [c.open_time for c in series()]
    assert all(b - a == timedelta(minutes=5) for a, b in itertools.pairwise(times))


def test_the_next_run_fetches_from_the_newest_candle_and_finalises_the_forming_one(binance, fake_binance):
    fetch(binance, fake_binance)
    fake_binance.requests.clear()
    fake_binance.now = FAKE_BINANCE_NOW + timedelta(minutes=5)
    report = fetch(binance, fake_binance)
    [request] = fake_binance.klines_requests
    assert int(request.params["startTime"]) == to_millis(FAKE_BINANCE_NOW.replace(minute=0, second=0))
    assert report.series[0].fetched == 2 and report.series[0].changed == 2
    newest = list(series())[-2:]
    assert [c.is_closed for c in newest] == [True, False]


def test_an_unchanged_refetch_reports_no_change(binance, fake_binance):
    fetch(binance, fake_binance)
    received = []
    candles_updated.connect(lambda sender, **kwargs: received.append(kwargs), weak=False, dispatch_uid="t-nochange")
    try:
        report = fetch(binance, fake_binance)
    finally:
        candles_updated.disconnect(dispatch_uid="t-nochange")
    assert report.symbols_changed == [] and received == []


def test_a_gap_in_the_window_is_detected_and_refilled_exactly(binance, fake_binance, klines_dir):
    fetch(binance, fake_binance)
    holes = list(series())[10:14]
    Candle.objects.filter(pk__in=[c.pk for c in holes]).delete()
    fake_binance.requests.clear()
    fetch(binance, fake_binance)
    [request] = fake_binance.klines_requests
    assert int(request.params["startTime"]) == to_millis(holes[0].open_time)
    assert series().count() == 50
    rows = file_rows(klines_dir, "BTCUSDT-5m.csv.gz")
    refilled = series().filter(open_time__in=[c.open_time for c in holes])
    assert [[c.open, c.high, c.low, c.close, c.volume] for c in refilled] == [
        rows[to_millis(c.open_time)] for c in holes
    ]


def test_the_symbol_table_decides_what_is_fetched_at_the_next_run(binance, fake_binance):
    Symbol.objects.exclude(symbol__in=["BTCUSDT", "ETHUSDT"]).update(enabled=False)
    report = market_fetch(timeframes=["5m"], source=binance, backfill=5, wall_now=fake_binance.now)
    assert report.symbols_changed == ["BTCUSDT", "ETHUSDT"]
    Symbol.objects.filter(symbol="ETHUSDT").update(enabled=False)
    Symbol.objects.filter(symbol="SOLUSDT").update(enabled=True)
    fake_binance.requests.clear()
    market_fetch(timeframes=["5m"], source=binance, backfill=5, wall_now=fake_binance.now)
    assert sorted(r.params["symbol"] for r in fake_binance.klines_requests) == ["BTCUSDT", "SOLUSDT"]


def test_a_source_symbol_with_a_price_divisor_is_stored_as_the_exchange_symbol(binance, fake_binance, klines_dir):
    # As for PEPEUSDT read from Binance USD-M's 1000PEPEUSDT: here BTCUSDT's file stands in.
    Symbol.objects.filter(symbol="PEPEUSDT").update(source_symbol="BTCUSDT", source_price_divisor=1000)
    fetch(binance, fake_binance, symbols=("PEPEUSDT",), backfill=3)
    rows = file_rows(klines_dir, "BTCUSDT-5m.csv.gz")
    candle = series("PEPEUSDT").first()
    source_row = rows[to_millis(candle.open_time)]
    assert candle.close == source_row[3] / 1000 and candle.volume == source_row[4] * 1000
    assert [r.params["symbol"] for r in fake_binance.klines_requests] == ["BTCUSDT"]


def test_a_malformed_row_stores_nothing_of_that_series_and_the_others_go_on(binance, fake_binance):
    fake_binance.faults.append(Fault.malformed_row())
    report = fetch(binance, fake_binance, symbols=("BTCUSDT", "ETHUSDT"))
    assert series().count() == 0
    assert series("ETHUSDT").count() == 50
    assert report.symbols_changed == ["ETHUSDT"]
    assert "kline row" in report.errors[0]


def test_a_ban_stops_fetching_until_it_expires_and_alerts_once(binance, fake_binance, caplog):
    until_ms = to_millis(FAKE_BINANCE_NOW + timedelta(minutes=10))
    fake_binance.faults.append(Fault.banned(retry_after_s=600, banned_until_ms=until_ms))
    with caplog.at_level(logging.CRITICAL, logger="ta.services.fetch"):
        report = fetch(binance, fake_binance, symbols=("BTCUSDT", "ETHUSDT"))
        assert "banned" in report.stopped and len(fake_binance.klines_requests) == 1
        fake_binance.requests.clear()
        report = fetch(binance, fake_binance, symbols=("BTCUSDT", "ETHUSDT"))  # still banned: no request
    assert fake_binance.klines_requests == [] and "blocked until" in report.stopped
    assert len([r for r in caplog.records if r.levelno == logging.CRITICAL]) == 1
    fake_binance.now = FAKE_BINANCE_NOW + timedelta(minutes=11)
    assert fetch(binance, fake_binance).symbols_changed == ["BTCUSDT"]


def test_a_long_rate_limit_stops_the_run_and_nobody_asks_before_retry_after(binance, fake_binance):
    fake_binance.faults.append(Fault.too_many_requests(retry_after_s=90))
    report = fetch(binance, fake_binance, symbols=("BTCUSDT", "ETHUSDT", "SOLUSDT"))
    assert "429" in report.stopped and len(fake_binance.klines_requests) == 1  # not once per symbol
    fake_binance.now = FAKE_BINANCE_NOW + timedelta(seconds=60)
    assert "blocked until" in fetch(binance, fake_binance).stopped
    assert len(fake_binance.klines_requests) == 1
    fake_binance.now = FAKE_BINANCE_NOW + timedelta(seconds=91)
    assert fetch(binance, fake_binance).symbols_changed == ["BTCUSDT"]


def test_a_regional_block_is_reported_once_and_never_retried(binance, fake_binance, caplog):
    fake_binance.faults.append(Fault.region_blocked())
    with caplog.at_level(logging.CRITICAL, logger="ta.services.fetch"):
        fetch(binance, fake_binance)
        for minutes in (1, 60, 600):
            fake_binance.now = FAKE_BINANCE_NOW + timedelta(minutes=minutes)
            report = fetch(binance, fake_binance)
            assert "451" in report.stopped
    assert len(fake_binance.klines_requests) == 1
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1 and "restricted location" in critical[0].getMessage()
    assert MarketFeedState.objects.get(source="binance").region_blocked_url == fake_binance.base_url


def test_candles_updated_carries_the_changed_symbols_after_commit(binance, fake_binance,
                                                                  django_capture_on_commit_callbacks):
    received = []
    candles_updated.connect(lambda sender, **kwargs: received.append(kwargs), weak=False, dispatch_uid="t-signal")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            fetch(binance, fake_binance, symbols=("ETHUSDT", "BTCUSDT"), timeframes=("5m", "1h"))
    finally:
        candles_updated.disconnect(dispatch_uid="t-signal")
    assert received == [{"symbols": ["BTCUSDT", "ETHUSDT"], "timeframes": ["5m", "1h"], "source": "binance",
                         "signal": candles_updated}]


def test_the_fast_run_backfills_missing_slow_timeframes_once(binance, fake_binance):
    report = fetch(binance, fake_binance, symbols=("BTCUSDT",), timeframes=("5m",), backfill_missing=("1h", "4h"))
    assert [(o.timeframe, o.fetched) for o in report.series] == [("5m", 50), ("1h", 50), ("4h", 50)]
    fake_binance.requests.clear()
    report = fetch(binance, fake_binance, symbols=("BTCUSDT",), timeframes=("5m",), backfill_missing=("1h", "4h"))
    assert [o.timeframe for o in report.series] == ["5m"]
    assert [r.params["interval"] for r in fake_binance.klines_requests] == ["5m"]


def test_candles_of_another_source_are_never_mixed_into_a_series(binance, fake_binance):
    from ta.services.feed_state import feed_source_switch
    from ta.sources.simulated import SimulatedSource

    market_fetch(timeframes=["5m"], symbols=["BTCUSDT"], source=SimulatedSource(seed=1), backfill=20,
                 wall_now=fake_binance.now)
    report = fetch(binance, fake_binance)
    assert "come from simulated" in report.stopped and "--switch-source" in report.stopped
    assert fake_binance.klines_requests == [] and series().count() == 20
    assert feed_source_switch(source="binance") == 20
    assert fetch(binance, fake_binance).symbols_changed == ["BTCUSDT"]
    assert series().count() == 50


def test_the_fetch_time_is_recorded_for_health(binance, fake_binance):
    from ta.selectors import market_data_last_fetch_at

    assert market_data_last_fetch_at() is None
    fetch(binance, fake_binance)
    assert market_data_last_fetch_at() == fake_binance.now
