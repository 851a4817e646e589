"""The simulated derivatives series: deterministic, plausible, and offline."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from ta.sources.derivatives import DerivativesKind
from ta.sources.simulated import SimulatedSource
from ta.sources.simulated_derivatives import SimulatedDerivativesSource

START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(days=40)


def series(source, kind, symbol="BTCUSDT", period="1h", start=START, end=END):
    rows = source.points_fetch(kind=kind, symbol=symbol, period=period, start=start, end=end)
    return rows


def test_the_same_seed_gives_the_same_series_and_another_seed_another():
    for kind in SimulatedDerivativesSource.kinds:
        first = series(SimulatedDerivativesSource(seed=7), kind)
        assert first == series(SimulatedDerivativesSource(seed=7), kind)
        assert first != series(SimulatedDerivativesSource(seed=8), kind)


def test_ratios_mean_revert_around_one_with_crowding_episodes():
    source = SimulatedDerivativesSource(seed=20260301)
    for kind, column in ((DerivativesKind.GLOBAL_RATIO, "global_long_short_ratio"),
                         (DerivativesKind.TOP_ACCOUNT_RATIO, "top_long_short_account_ratio")):
        values = [float(row.values[column]) for row in series(source, kind)]
        assert 0.8 < statistics.median(values) < 1.25
        assert min(values) > 0.25 and max(values) < 4
        assert max(values) > 1.5 or min(values) < 0.67, "a crowded stretch happens in 40 days"


def test_funding_settles_every_8_hours_around_0_01_percent_and_follows_the_trend():
    source = SimulatedDerivativesSource(seed=20260301)
    rows = series(source, DerivativesKind.FUNDING)
    assert all(row.time.hour % 8 == 0 and row.time.minute == 0 for row in rows) and len(rows) == 40 * 3 + 1
    rates = [float(row.values["funding_rate"]) for row in rows]
    assert all(-0.001 <= rate <= 0.001 for rate in rates)
    assert 0 < statistics.mean(rates) < 0.0003
    minutes = np.array([(row.time - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() / 60 for row in rows])
    trend = source._trend("BTCUSDT", minutes)
    rising = [rate for rate, move in zip(rates, trend, strict=True) if move > 0]
    falling = [rate for rate, move in zip(rates, trend, strict=True) if move < 0]
    assert statistics.mean(rising) > statistics.mean(falling)


def test_open_interest_is_priced_at_the_simulated_price():
    source = SimulatedDerivativesSource(seed=20260301)
    [row] = series(source, DerivativesKind.OPEN_INTEREST, start=START, end=START)
    minutes = np.array([(START - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() / 60])
    price = float(np.exp(SimulatedSource(seed=20260301).log_price("BTCUSDT", minutes))[0])
    value, contracts = float(row.values["open_interest_value"]), float(row.values["open_interest"])
    assert value / contracts == pytest.approx(price, rel=1e-4)
    assert 1e8 < value < 1e11  # BTC's open interest is billions of USDT


def test_simulated_candles_carry_taker_volumes_and_hours_aggregate_them_exactly():
    source = SimulatedSource(seed=20260301)
    now = START + timedelta(days=1)
    five = source.bars_fetch(symbol="ETHUSDT", timeframe="5m", start=START, end=START + timedelta(minutes=55), now=now)
    [hour] = source.bars_fetch(symbol="ETHUSDT", timeframe="1h", start=START, end=START, now=now)
    assert all(0 < bar.taker_buy_quote_volume < bar.quote_volume for bar in five)
    for bar in five:
        typical = (bar.high + bar.low + bar.close) / 3
        assert abs(bar.quote_volume - bar.volume * typical) / bar.quote_volume < 0.01
    assert hour.quote_volume == sum(bar.quote_volume for bar in five)
    assert hour.taker_buy_quote_volume == sum(bar.taker_buy_quote_volume for bar in five)
