import numpy as np
import pytest

from ta.engine.divergence import NO_DIVERGENCE, divergence_latest
from ta.engine.stochrsi import stoch_rsi

SIZE = 95


def flat_market():
    return np.full(SIZE, 110.0), np.full(SIZE, 100.0), np.full(SIZE, 50.0)


def test_lower_low_with_higher_stoch_low_is_bullish():
    high, low, k = flat_market()
    low[60], k[60] = 90.0, 10.0
    low[85], k[85] = 88.0, 25.0
    result = divergence_latest(high=high, low=low, stoch_k=k)
    assert result.divergence == "bullish"
    assert result.strength == pytest.approx(15.0)
    assert result.candles_ago == SIZE - 1 - 85


def test_higher_high_with_lower_stoch_high_is_bearish():
    high, low, k = flat_market()
    high[60], k[60] = 120.0, 90.0
    high[85], k[85] = 121.0, 70.0
    result = divergence_latest(high=high, low=low, stoch_k=k)
    assert (result.divergence, result.strength, result.candles_ago) == ("bearish", pytest.approx(20.0), 9)


def test_confirming_momentum_is_no_divergence():
    high, low, k = flat_market()
    low[60], k[60] = 90.0, 25.0
    low[85], k[85] = 88.0, 10.0  # lower low, lower stoch low: the move is confirmed
    assert divergence_latest(high=high, low=low, stoch_k=k) == NO_DIVERGENCE


def test_of_equal_highs_the_earlier_bar_is_the_pivot():
    high, low, k = flat_market()
    high[60], k[60] = 120.0, 90.0
    high[84], k[84] = 121.0, 70.0
    high[85], k[85] = 121.0, 95.0  # the same high one bar later, with a higher K
    result = divergence_latest(high=high, low=low, stoch_k=k)
    assert (result.divergence, result.candles_ago) == ("bearish", SIZE - 1 - 84)


def test_pivots_older_than_50_candles_are_ignored():
    high, low, k = flat_market()
    low[40], k[40] = 90.0, 10.0  # 54 candles ago
    low[85], k[85] = 88.0, 25.0
    assert divergence_latest(high=high, low=low, stoch_k=k) == NO_DIVERGENCE


def test_a_pivot_needs_three_bars_after_it():
    high, low, k = flat_market()
    low[60], k[60] = 90.0, 10.0
    low[92], k[92] = 88.0, 25.0  # only 2 bars after it: not confirmed yet
    assert divergence_latest(high=high, low=low, stoch_k=k) == NO_DIVERGENCE


def test_the_more_recent_divergence_wins_when_both_appear():
    high, low, k = flat_market()
    low[55], k[55] = 90.0, 10.0
    low[80], k[80] = 88.0, 25.0
    high[60], k[60] = 120.0, 90.0
    high[85], k[85] = 121.0, 70.0
    assert divergence_latest(high=high, low=low, stoch_k=k).divergence == "bearish"


@pytest.mark.klines
def test_real_candles_show_both_kinds_within_bounds(real_candles):
    candles = real_candles["BTCUSDT-5m"]
    k, _ = stoch_rsi(candles.close)
    seen = set()
    for end in range(100, len(candles), 7):
        result = divergence_latest(high=candles.high[:end], low=candles.low[:end], stoch_k=k[:end])
        seen.add(result.divergence)
        assert 0 <= result.strength <= 100
        assert result.divergence == "none" or 3 <= result.candles_ago < 50
    assert seen == {"bullish", "bearish", "none"}


def test_k_pinned_at_the_same_extreme_is_not_a_divergence_despite_float_noise():
    import numpy as np

    from ta.engine.divergence import divergence_latest

    # Two pivot lows, the newer lower in price; K "higher" only by float noise at 0.
    low = np.array([10, 9, 8, 5, 8, 9, 10, 9, 8, 4, 8, 9, 10, 11], dtype=float)
    high = low + 1
    k = np.full(low.size, 50.0)
    k[3], k[9] = 2.47e-14, 2.72e-14
    assert divergence_latest(high=high, low=low, stoch_k=k).divergence == "none"
    k[9] = 0.6  # a real, if small, higher low
    assert divergence_latest(high=high, low=low, stoch_k=k).divergence == "bullish"
