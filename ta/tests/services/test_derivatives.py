"""The derivatives fetch end to end on the fake Binance: pagination, the 30-day window, the shared
request budget, 429 and 418, merged rows, the funding rate in force, and the CVD."""

from __future__ import annotations

import csv
import gzip
import itertools
import logging
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from config.bus.client import redis_client
from ta.models import Candle, DerivativesPoint, MarketFeedState
from ta.services.derivatives import derivatives_fetch
from ta.services.fetch import market_fetch
from ta.sources.base import from_millis, to_millis
from ta.sources.binance import BinanceSource
from ta.sources.binance_derivatives import BinanceDerivativesSource
from ta.sources.budget import BudgetExhaustedError, RequestBudget
from ta.sources.derivatives import DerivativesKind
from ta.testing.fake_binance import FakeBinance, Fault
from ta.testing.fake_derivatives import data_row


def same_amount(stored: Decimal, expected: Decimal) -> bool:
    """Exact on PostgreSQL; SQLite keeps decimals as 64-bit floats (15-16 significant digits)."""
    if connection.vendor == "postgresql":
        return stored == expected
    return float(stored) == pytest.approx(float(expected), rel=1e-13)

pytestmark = [pytest.mark.klines, pytest.mark.django_db]

OI_PATH = "/futures/data/openInterestHist"


class Clock:
    """The market's wall clock in a test: ``sleep`` advances it instead of waiting."""

    def __init__(self, now):
        self.now = now
        self.waits = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(fake_binance):
    return Clock(fake_binance.now)


def data_source(fake, clock, *, limit=1000, max_wait_s=30.0, name=None):
    budget = RequestBudget(redis=redis_client(), limit=limit, name=name or f"test-{uuid.uuid4().hex}",
                           max_wait_s=max_wait_s, clock=clock, sleep=clock.sleep)
    return BinanceDerivativesSource(base_url=fake.base_url, budget=budget, sleep=clock.sleep, clock=clock,
                                    timeout_s=5)


def run(source, clock, *, periods=("1h",), **kwargs):
    return derivatives_fetch(symbols=["BTCUSDT"], periods=list(periods), source=source, wall_now=clock.now, **kwargs)


def points(period="1h"):
    return DerivativesPoint.objects.filter(symbol__symbol="BTCUSDT", period=period).order_by("time")


def test_a_first_run_backfills_30_days_in_pages_and_never_asks_for_older(fake_binance, clock):
    report = run(data_source(fake_binance, clock), clock)
    assert report.errors == []
    oi_requests = [r for r in fake_binance.data_requests if r.path == OI_PATH]
    assert [r.params["limit"] for r in oi_requests] == ["500", "500"]  # 30 days of 1h: two pages
    starts = [from_millis(int(r.params["startTime"])) for r in oi_requests]
    assert starts[0] >= fake_binance.now - timedelta(days=30)
    assert starts[1] - starts[0] == timedelta(hours=500)  # the next page starts where the first one ended
    assert all(int(r.params["startTime"]) >= to_millis(fake_binance.now - timedelta(days=30))
               for r in fake_binance.data_requests)
    rows = list(points())
    times = [row.time for row in rows]
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(times)), "no gap at the page boundary"
    assert times[-1] == fake_binance.now.replace(minute=0, second=0) - timedelta(hours=1)  # the newest closed hour
    assert len(rows) > 700


def test_each_endpoint_fills_its_own_columns_of_the_same_row(fake_binance, clock, klines_dir):
    run(data_source(fake_binance, clock), clock)
    row = points().last()
    served = fake_binance.series_rows("BTCUSDT", "1h")
    values = served.rows[served.open_ms.index(to_millis(row.time))]
    oi = data_row(OI_PATH, "BTCUSDT", to_millis(row.time), values)
    ratio = data_row("/futures/data/globalLongShortAccountRatio", "BTCUSDT", to_millis(row.time), values)
    taker = data_row("/futures/data/takerlongshortRatio", "BTCUSDT", to_millis(row.time), values)
    assert row.open_interest == Decimal(oi["sumOpenInterest"])
    assert same_amount(row.open_interest_value, Decimal(oi["sumOpenInterestValue"]))
    assert row.global_long_short_ratio == Decimal(ratio["longShortRatio"])
    assert row.top_long_short_account_ratio is not None and row.top_long_short_position_ratio is not None
    # No 1h candles stored: the taker base volumes are priced with the open interest's price (= the close).
    price = Decimal(oi["sumOpenInterestValue"]) / Decimal(oi["sumOpenInterest"])
    assert float(row.taker_buy_volume) == pytest.approx(float(Decimal(taker["buyVol"]) * price), rel=1e-9)
    assert row.funding_rate is not None, "the funding rate in force is on every row after the first settlement"


def test_the_next_run_follows_from_the_newest_row(fake_binance, clock):
    run(data_source(fake_binance, clock), clock)
    fake_binance.requests.clear()
    fake_binance.now = clock.now = fake_binance.now + timedelta(hours=2)
    run(data_source(fake_binance, clock), clock)
    oi_requests = [r for r in fake_binance.data_requests if r.path == OI_PATH]
    assert len(oi_requests) == 1
    newest_before = fake_binance.now.replace(minute=0, second=0) - timedelta(hours=3)
    assert from_millis(int(oi_requests[0].params["startTime"])) == newest_before + timedelta(hours=1)
    assert points().last().time == fake_binance.now.replace(minute=0, second=0) - timedelta(hours=1)


def test_requests_stay_within_the_budget_in_every_5_minute_window(fake_binance, clock):
    source = data_source(fake_binance, clock, limit=4, max_wait_s=400)
    sent_at = []
    acquire = source.budget.acquire

    def counted():
        acquire()
        sent_at.append(clock.now)

    source.budget.acquire = counted
    report = run(source, clock)
    assert report.errors == [] and len(sent_at) == 11  # 5 kinds x 2 pages + the funding rate
    per_window = {}
    for moment in sent_at:
        window = int(moment.timestamp() // 300)
        per_window[window] = per_window.get(window, 0) + 1
    assert max(per_window.values()) <= 4
    assert clock.waits, "the fetch waited for the next window instead of exceeding the budget"


def test_a_spent_budget_stops_the_run_and_the_next_run_resumes(fake_binance, clock):
    report = run(data_source(fake_binance, clock, limit=3, max_wait_s=0), clock)
    assert "requests per 300 s spent" in report.stopped
    assert len(fake_binance.data_requests) == 3
    assert points().filter(open_interest__isnull=False).count() > 700  # both open-interest pages were stored
    assert points().filter(global_long_short_ratio__isnull=False).count() == 500  # one page of the next kind
    fake_binance.requests.clear()
    clock.now += timedelta(minutes=5)
    report = run(data_source(fake_binance, clock, limit=100), clock)
    assert report.errors == []
    assert [r.path for r in fake_binance.data_requests].count(OI_PATH) == 0, "the stored open interest is not re-read"


def test_the_budget_is_shared_by_every_process(clock):
    name = f"test-{uuid.uuid4().hex}"
    first = RequestBudget(redis=redis_client(), limit=3, name=name, max_wait_s=0, clock=clock, sleep=clock.sleep)
    second = RequestBudget(redis=redis_client(), limit=3, name=name, max_wait_s=0, clock=clock, sleep=clock.sleep)
    first.acquire()
    first.acquire()
    second.acquire()
    with pytest.raises(BudgetExhaustedError):
        second.acquire()


def test_429_stops_the_run_and_no_request_is_sent_before_retry_after(fake_binance, clock):
    fake_binance.faults.append(Fault.too_many_requests(retry_after_s=90))
    report = run(data_source(fake_binance, clock), clock)
    assert "429" in report.stopped
    assert len(fake_binance.data_requests) == 1, "a 429 is not retried in a loop"
    state = MarketFeedState.objects.get(source="binance_data")
    assert state.blocked_until == clock.now + timedelta(seconds=90)
    fake_binance.requests.clear()
    report = run(data_source(fake_binance, clock), clock)
    assert "blocked until" in report.stopped and fake_binance.data_requests == []


def test_418_stores_the_ban_and_alerts(fake_binance, clock, caplog):
    until = clock.now + timedelta(hours=2)
    fake_binance.faults.append(Fault.banned(retry_after_s=7200, banned_until_ms=to_millis(until)))
    with caplog.at_level(logging.CRITICAL):
        report = run(data_source(fake_binance, clock), clock)
    assert "418" in report.stopped
    assert MarketFeedState.objects.get(source="binance_data").blocked_until == until
    assert any("banned" in record.getMessage() for record in caplog.records if record.levelno == logging.CRITICAL)
    fake_binance.requests.clear()
    clock.now += timedelta(hours=1)
    run(data_source(fake_binance, clock), clock)
    assert fake_binance.data_requests == [], "nothing is asked while the ban lasts"


def test_a_multiplied_contract_is_asked_for_as_such_and_stored_per_coin(tmp_path, klines_dir, clock):
    """PEPE trades on Binance USD-M only as 1000PEPEUSDT: its open interest is in 1000-coin contracts."""
    with gzip.open(klines_dir / "PEPEUSDT-1h.csv.gz", "rt", newline="") as handle:
        rows = [row for row in list(csv.reader(handle))[1:]
                if clock.now - timedelta(days=31) <= from_millis(int(row[0])) <= clock.now]
    with gzip.open(tmp_path / "1000PEPEUSDT-1h.csv.gz", "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "open", "high", "low", "close", "volume"])
        for row in rows:
            *prices, volume = (Decimal(v) for v in row[1:])
            writer.writerow([row[0], *(f"{p * 1000:f}" for p in prices), f"{volume / 1000:f}"])
    with FakeBinance(tmp_path, now=clock.now) as fake:
        report = derivatives_fetch(symbols=["PEPEUSDT"], periods=["1h"], source=data_source(fake, clock),
                                   wall_now=clock.now)
        assert {r.params["symbol"] for r in fake.data_requests} == {"1000PEPEUSDT"}
    assert report.errors == []
    row = DerivativesPoint.objects.filter(symbol__symbol="PEPEUSDT", period="1h").order_by("time").last()
    per_coin_close = Decimal(rows[-2][4])  # the newest closed hour's close, per coin
    assert row.open_interest_value / row.open_interest == pytest.approx(per_coin_close, rel=Decimal("1e-6"))


def test_cvd_from_klines_equals_the_running_sum_of_taker_deltas(fake_binance, clock):
    candles = BinanceSource(base_url=fake_binance.base_url, timeout_s=5)
    market_fetch(timeframes=["5m"], symbols=["BTCUSDT"], source=candles, backfill=300, wall_now=fake_binance.now)
    candles.close()
    stored = list(Candle.objects.filter(symbol__symbol="BTCUSDT", timeframe="5m").order_by("open_time"))
    assert all(c.taker_buy_quote_volume is not None for c in stored), "the klines' taker fields are kept"
    source = data_source(fake_binance, clock)
    source.kinds = ()  # the candles alone: the endpoints' taker volume only fills what they lack
    run(source, clock, periods=("5m",))
    rows = {row.time: row for row in points("5m")}
    running = Decimal(0)
    for candle in stored:
        running += 2 * candle.taker_buy_quote_volume - candle.quote_volume
        row = rows[candle.open_time]
        assert row.taker_buy_volume == candle.taker_buy_quote_volume
        assert same_amount(row.cvd, running)


def test_older_taker_rows_inserted_later_recompute_the_cvd_after_them(fake_binance, clock):
    candles = BinanceSource(base_url=fake_binance.base_url, timeout_s=5)
    market_fetch(timeframes=["5m"], symbols=["BTCUSDT"], source=candles, backfill=20, wall_now=fake_binance.now)
    first = Candle.objects.filter(symbol__symbol="BTCUSDT", timeframe="5m").order_by("open_time").first()
    source = data_source(fake_binance, clock)
    source.kinds = (DerivativesKind.FUNDING,)
    run(source, clock, periods=("5m",))
    newest_cvd = points("5m").filter(cvd__isnull=False).last().cvd
    older = first.open_time - timedelta(minutes=5)
    Candle.objects.create(symbol=first.symbol, timeframe="5m", open_time=older, open=1, high=1, low=1, close=1,
                          volume=1, quote_volume=Decimal(100), taker_buy_quote_volume=Decimal(80))
    # An older candle (a taker-field backfill of history) arrives after the series was built.
    run(source, clock, periods=("5m",), backfill=True)
    assert points("5m").get(time=older).cvd == Decimal(60)
    assert points("5m").filter(cvd__isnull=False).last().cvd == newest_cvd + Decimal(60)


def test_the_endpoint_fills_the_taker_volumes_older_than_the_candles_and_the_cvd_runs_through(fake_binance, clock):
    candles = BinanceSource(base_url=fake_binance.base_url, timeout_s=5)
    market_fetch(timeframes=["1h"], symbols=["BTCUSDT"], source=candles, backfill=48, wall_now=fake_binance.now)
    candles.close()
    stored = {c.open_time: c for c in Candle.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h")}
    run(data_source(fake_binance, clock), clock)
    rows = list(points())
    old, recent = rows[0], rows[-1]
    assert old.time not in stored and recent.time in stored
    served = fake_binance.series_rows("BTCUSDT", "1h")
    taker = data_row("/futures/data/takerlongshortRatio", "BTCUSDT", to_millis(old.time),
                     served.rows[served.open_ms.index(to_millis(old.time))])
    price = old.open_interest_value / old.open_interest
    assert float(old.taker_buy_volume) == pytest.approx(float(Decimal(taker["buyVol"]) * price), rel=1e-9)
    assert recent.taker_buy_volume == stored[recent.time].taker_buy_quote_volume, "the candles' values win"
    assert all(row.taker_buy_volume is not None for row in rows), "no hole between the endpoint and the candles"
    assert same_amount(rows[-2].cvd, sum(row.taker_buy_volume - row.taker_sell_volume for row in rows[:-1]))
