"""Replay: real files through the live pipeline, candle for candle, at a chosen speed."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ta.models import Candle
from ta.services.fetch import market_fetch
from ta.services.imports import candles_import_file
from ta.sources.base import SourceConfigError, to_millis
from ta.sources.replay import CsvReplayLoader, DatabaseReplayLoader, ReplaySource

pytestmark = [pytest.mark.klines, pytest.mark.django_db]

REPLAY_START = datetime(2024, 6, 1, tzinfo=UTC)
WALL_ANCHOR = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def file_rows(path):
    with gzip.open(path, "rt", newline="") as handle:
        return {int(row[0]): [Decimal(v) for v in row[1:]] for row in list(csv.reader(handle))[1:]}


def replay(klines_dir, speed=60.0):
    return ReplaySource(loader=CsvReplayLoader(klines_dir), start=REPLAY_START, speed=speed, anchor_at=WALL_ANCHOR)


def test_the_replay_clock_runs_speed_times_faster_than_the_wall_clock(klines_dir):
    source = replay(klines_dir, speed=60)
    assert source.market_now(wall_now=WALL_ANCHOR + timedelta(minutes=10)) == REPLAY_START + timedelta(hours=10)
    assert source.market_now(wall_now=WALL_ANCHOR - timedelta(minutes=1)) == REPLAY_START


def test_a_replayed_day_stores_exactly_the_files_candles(klines_dir):
    source = replay(klines_dir)
    market_fetch(timeframes=["5m", "1h"], symbols=["BTCUSDT"], source=source, backfill=50,
                 wall_now=WALL_ANCHOR + timedelta(minutes=10))
    five = file_rows(klines_dir / "BTCUSDT-5m.csv.gz")
    stored = Candle.objects.filter(symbol__symbol="BTCUSDT", timeframe="5m").order_by("open_time")
    # A backfill of 50 is the 49 closed candles before the replay clock (10:00) plus the slot
    # of the forming one, which a replay never shows: only closed candles, none after the clock.
    assert stored.count() == 49
    assert stored.last().open_time == REPLAY_START + timedelta(hours=9, minutes=55)
    for candle in stored:
        assert [candle.open, candle.high, candle.low, candle.close, candle.volume] == five[to_millis(candle.open_time)]
        assert candle.is_closed

    report = market_fetch(timeframes=["5m", "1h"], symbols=["BTCUSDT"], source=source, backfill=50,
                          wall_now=WALL_ANCHOR + timedelta(minutes=20))  # 10 more replayed hours
    assert report.symbols_changed == ["BTCUSDT"]
    assert stored.all().count() == 49 + 120  # .all(): a fresh query, not the cached rows
    hours = Candle.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h")
    one_hour = file_rows(klines_dir / "BTCUSDT-1h.csv.gz")
    assert [to_millis(c.open_time) for c in hours.order_by("open_time")][-1] == to_millis(REPLAY_START) + 19 * 3600_000
    for candle in hours:
        values = [candle.open, candle.high, candle.low, candle.close, candle.volume]
        assert values == one_hour[to_millis(candle.open_time)]


def test_a_symbol_without_a_file_is_reported_not_fatal(klines_dir):
    report = market_fetch(timeframes=["5m"], symbols=["BTCUSDT", "ETHUSDT"], source=replay(klines_dir),
                          backfill=5, wall_now=WALL_ANCHOR + timedelta(minutes=1))
    assert report.symbols_changed == ["BTCUSDT", "ETHUSDT"]
    with pytest.raises(SourceConfigError, match="no NOPEUSDT-5m"):
        replay(klines_dir).bars_fetch(symbol="NOPEUSDT", timeframe="5m", start=REPLAY_START,
                                      end=REPLAY_START + timedelta(hours=1), now=REPLAY_START + timedelta(hours=1))


def test_replay_from_the_database_reads_stored_closed_candles(klines_dir):
    candles_import_file(path=klines_dir / "futures" / "XRPUSDT-1h.csv.gz")
    loader = DatabaseReplayLoader("default")
    start = datetime(2021, 11, 18, tzinfo=UTC)
    bars = loader.bars_between(symbol="XRPUSDT", timeframe="1h", start=start, end=start + timedelta(hours=5), limit=3)
    rows = file_rows(klines_dir / "futures" / "XRPUSDT-1h.csv.gz")
    assert [bar.open_time for bar in bars] == [start + timedelta(hours=h) for h in range(3)]
    # Stored to 12 decimal places: this fixture's float artefacts (1.1381000000000001) are rounded.
    assert [bar.close for bar in bars] == [rows[to_millis(bar.open_time)][3].quantize(Decimal("1e-12")) for bar in bars]


def test_the_replay_clock_is_shared_and_restarts_when_its_settings_change(settings):
    from ta.sources import source_from_settings

    settings.MARKET_DATA_REPLAY_START = "2024-06-01T00:00:00Z"
    settings.MARKET_DATA_REPLAY_SPEED = 60.0
    first = source_from_settings("replay")
    assert source_from_settings("replay").anchor_at == first.anchor_at  # another worker sees the same clock
    settings.MARKET_DATA_REPLAY_SPEED = 120.0
    assert source_from_settings("replay").anchor_at > first.anchor_at


@pytest.mark.django_db
def test_the_replay_serves_stored_derivatives_rows_as_they_were():
    from ta.models import DerivativesPoint, Symbol
    from ta.sources.derivatives import DerivativesKind
    from ta.sources.replay import ReplayDerivativesSource

    btc = Symbol.objects.get(symbol="BTCUSDT")
    start = datetime(2024, 6, 1, tzinfo=UTC)
    for hour in range(3):
        DerivativesPoint.objects.create(symbol=btc, period="1h", time=start + timedelta(hours=hour), source="binance",
                                        open_interest=Decimal(100 + hour), open_interest_value=Decimal(1000))
    source = ReplayDerivativesSource(candles=None, using="default")
    rows = source.points_fetch(kind=DerivativesKind.OPEN_INTEREST, symbol="BTCUSDT", period="1h", start=start,
                               end=start + timedelta(hours=1))
    assert [row.values["open_interest"] for row in rows] == [Decimal(100), Decimal(101)]
    assert source.points_fetch(kind=DerivativesKind.GLOBAL_RATIO, symbol="BTCUSDT", period="1h", start=start,
                               end=start + timedelta(hours=2)) == [], "a series never stored is absent, not zero"
    assert ReplayDerivativesSource(candles=None, using=None).kinds == ()


@pytest.mark.django_db
def test_the_database_replay_passes_the_stored_taker_fields_through():
    from ta.models import Symbol

    btc = Symbol.objects.get(symbol="BTCUSDT")
    start = datetime(2024, 6, 1, tzinfo=UTC)
    Candle.objects.create(symbol=btc, timeframe="5m", open_time=start, open=1, high=2, low=1, close=2, volume=3,
                          quote_volume=Decimal("4.5"), taker_buy_quote_volume=Decimal("3"))
    Candle.objects.create(symbol=btc, timeframe="5m", open_time=start + timedelta(minutes=5), open=2, high=2, low=1,
                          close=1, volume=3)
    bars = DatabaseReplayLoader("default").bars_between(symbol="BTCUSDT", timeframe="5m", start=start,
                                                        end=start + timedelta(minutes=5), limit=10)
    assert [(bar.quote_volume, bar.taker_buy_quote_volume) for bar in bars] == [
        (Decimal("4.5"), Decimal(3)), (None, None)]
