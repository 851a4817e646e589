"""Selectors other apps build on: the enabled universe, candle frames, the latest price, last fetch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from ta.models import Symbol
from ta.selectors import candles_frame, market_data_last_fetch_at, price_latest, prices_latest, symbols_enabled
from ta.services.candles import candles_upsert
from ta.services.feed_state import feed_fetch_record
from ta.sources.base import Bar

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def store(symbol: str, timeframe: str, closes: list[str], *, forming_last: bool = False) -> None:
    step = timedelta(minutes=5) if timeframe == "5m" else timedelta(hours=1)
    bars = []
    for i, close in enumerate(closes):
        c = Decimal(close)
        closed = not (forming_last and i == len(closes) - 1)
        bars.append(Bar(T0 + i * step, c, c * 2, c / 2, c, Decimal(i), is_closed=closed))
    candles_upsert(symbol_id=Symbol.objects.get(symbol=symbol).pk, timeframe=timeframe, bars=bars)


def test_the_seeded_universe_is_29_enabled_coins_in_display_order():
    assert symbols_enabled() == [
        f"{base}USDT" for base in "BTC ETH SOL XRP BNB DOGE ADA AVAX LINK DOT LTC BCH TRX NEAR APT ARB OP SUI "
        "ATOM FIL INJ UNI AAVE ETC XLM HBAR PEPE WIF SEI".split()
    ]


def test_disabling_and_reordering_in_the_table_shows_at_once():
    Symbol.objects.filter(symbol="ETHUSDT").update(enabled=False)
    Symbol.objects.filter(symbol="SEIUSDT").update(display_order=0)
    enabled = symbols_enabled()
    assert enabled[:2] == ["SEIUSDT", "BTCUSDT"] and "ETHUSDT" not in enabled and len(enabled) == 28


def test_candles_frame_is_the_newest_candles_oldest_first_as_floats_with_the_forming_last():
    store("BTCUSDT", "5m", ["100", "101", "102", "103.5"], forming_last=True)
    store("BTCUSDT", "1h", ["7"])
    frame = candles_frame(symbol="BTCUSDT", timeframe="5m", limit=3)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert all(dtype == "float64" for dtype in frame.dtypes)
    assert frame.index.name == "open_time" and str(frame.index.tz) == "UTC"
    assert list(frame.index) == [pd.Timestamp(T0 + timedelta(minutes=m)) for m in (5, 10, 15)]
    assert frame["close"].tolist() == [101.0, 102.0, 103.5]
    assert frame["high"].iloc[-1] == 207.0


def test_candles_frame_is_empty_with_the_columns_when_there_are_none():
    frame = candles_frame(symbol="BTCUSDT", timeframe="4h", limit=100)
    assert frame.empty and list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert isinstance(frame.index, pd.DatetimeIndex)


def test_price_latest_is_the_close_of_the_newest_5m_candle_even_if_forming():
    assert price_latest(symbol="PEPEUSDT") is None
    store("PEPEUSDT", "5m", ["0.00001234", "0.00001301"], forming_last=True)
    store("PEPEUSDT", "1h", ["0.5"])
    price = price_latest(symbol="PEPEUSDT")
    assert price == Decimal("0.00001301") and isinstance(price, Decimal)
    assert str(price) == "0.00001301"


def test_prices_latest_reads_each_symbols_newest_5m_close_in_one_query(django_assert_num_queries):
    store("PEPEUSDT", "5m", ["0.00001234", "0.00001301"], forming_last=True)
    store("BTCUSDT", "5m", ["105077.36", "105100.1"])
    store("BTCUSDT", "1h", ["1"])
    with django_assert_num_queries(1):
        prices = prices_latest(symbols=["PEPEUSDT", "BTCUSDT", "ETHUSDT"])
    assert prices == {"PEPEUSDT": price_latest(symbol="PEPEUSDT"), "BTCUSDT": price_latest(symbol="BTCUSDT")}
    assert str(prices["PEPEUSDT"]) == "0.00001301" and str(prices["BTCUSDT"]) == "105100.1"
    assert prices_latest(symbols=[]) == {}


def test_last_fetch_is_the_latest_of_any_source():
    assert market_data_last_fetch_at() is None
    feed_fetch_record(source="simulated", at=T0)
    feed_fetch_record(source="binance", at=T0 + timedelta(minutes=1))
    assert market_data_last_fetch_at() == T0 + timedelta(minutes=1)


def test_health_reports_the_last_market_fetch():
    from config.health import _read_timestamps

    feed_fetch_record(source="simulated", at=T0)
    assert _read_timestamps()["last_market_fetch"] == T0.isoformat()
