"""The simulated market: reproducible, aggregates exact, realistic enough for the whole platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from ta.sources.simulated import COIN_PROFILES, SimulatedSource

NOW = datetime(2026, 3, 1, 12, 7, 30, tzinfo=UTC)


def bars(source, symbol="BTCUSDT", timeframe="5m", *, days=3.0, now=NOW):
    return source.bars_fetch(symbol=symbol, timeframe=timeframe, start=now - timedelta(days=days), end=now, now=now)


def closes(bar_list):
    return np.array([float(bar.close) for bar in bar_list])


def test_the_same_seed_gives_the_same_market_and_another_seed_another():
    first = bars(SimulatedSource(seed=7))
    assert bars(SimulatedSource(seed=7)) == first
    assert closes(bars(SimulatedSource(seed=8))).tolist() != closes(first).tolist()


def test_history_does_not_change_as_the_clock_advances():
    source = SimulatedSource(seed=7)
    earlier = bars(source, days=1)
    later = bars(source, days=1.1, now=NOW + timedelta(minutes=47))
    by_time = {bar.open_time: bar for bar in later}
    closed_before = [bar for bar in earlier if bar.is_closed]
    assert closed_before and all(by_time[bar.open_time] == bar for bar in closed_before)


def test_the_candle_containing_now_is_forming_and_final_once_closed():
    source = SimulatedSource(seed=7)
    forming = bars(source, days=0.1)[-1]
    assert forming.open_time == datetime(2026, 3, 1, 12, 5, tzinfo=UTC) and not forming.is_closed
    assert bars(source, days=0.1, now=NOW + timedelta(seconds=30))[-1].close != forming.close  # it moves
    later = bars(source, days=0.1, now=NOW + timedelta(minutes=5))
    final = next(bar for bar in later if bar.open_time == forming.open_time)
    assert final.is_closed and final.open == forming.open


@pytest.mark.parametrize(("timeframe", "length"), [("1h", timedelta(hours=1)), ("4h", timedelta(hours=4))])
def test_longer_timeframes_are_exact_aggregates_of_the_5m_series(timeframe, length):
    source = SimulatedSource(seed=11)
    base = bars(source, "ETHUSDT", "5m", days=3)
    long = bars(source, "ETHUSDT", timeframe, days=3)
    assert long[-1].is_closed is False  # the forming bucket includes the forming 5m candle
    assert len(long) > 10
    for candle in long[1:]:  # the first bucket may start before the 5m window
        group = [bar for bar in base if candle.open_time <= bar.open_time < candle.open_time + length]
        assert len(group) == (12 if timeframe == "1h" else 48) or not candle.is_closed
        assert candle.open == group[0].open
        assert candle.high == max(bar.high for bar in group) and candle.low == min(bar.low for bar in group)
        assert candle.close == group[-1].close
        assert candle.volume == sum((bar.volume for bar in group), Decimal(0))


def test_every_coin_trades_in_its_real_range_with_sane_candles():
    source = SimulatedSource(seed=3)
    hourly_minutes = (NOW - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(minutes=1) - 60 * np.arange(24 * 365.0)
    for symbol, profile in COIN_PROFILES.items():
        prices = np.exp(source.log_price(symbol, hourly_minutes))  # a year, hour by hour
        assert profile.anchor_price / 3 < prices.min() and prices.max() < profile.anchor_price * 3, symbol
        candles = bars(source, symbol, "4h", days=20)
        assert len(candles) == 120
        for bar in candles:
            assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
            assert bar.low > 0 and bar.volume > 0


def test_the_market_has_volatility_clusters_squeezes_and_trends():
    source = SimulatedSource(seed=5)
    candles = bars(source, "SOLUSDT", "1h", days=40)
    day_vol = np.log(pd.Series(closes(candles))).diff().rolling(24).std().dropna()
    assert day_vol.max() / day_vol.min() > 2  # quiet days and wild days

    frame = pd.DataFrame({"high": [float(b.high) for b in candles], "low": [float(b.low) for b in candles],
                          "close": closes(candles)})
    deviation = frame["close"].rolling(20).std(ddof=0)
    true_range = pd.concat([frame["high"] - frame["low"], (frame["high"] - frame["close"].shift()).abs(),
                            (frame["low"] - frame["close"].shift()).abs()], axis=1).max(axis=1)
    # Same basis for both bands: BB (20, 2) inside KC (20, 1.5) <=> 2 sigma < 1.5 ATR.
    squeeze = (2 * deviation < 1.5 * true_range.rolling(20).mean()).iloc[40:]
    assert 0.02 < squeeze.mean() < 0.9  # TTM squeeze (BB 20/2 inside KC 20/1.5) on and off

    daily = pd.Series(closes(bars(source, "SOLUSDT", "4h", days=160)))
    swings = (daily.rolling(30).max() / daily.rolling(30).min()).dropna()
    assert swings.max() > 1.15  # a 5-day window with a >15 % trend exists
    assert swings.min() < 1.12  # and ranges
