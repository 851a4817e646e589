import numpy as np
import pytest
import talib
from hypothesis import given
from hypothesis import strategies as st

from ta.engine.ema import RIBBON_LENGTHS, ema, ribbon_spread, ribbon_state
from ta.tests.engine.conftest import assert_matches

pytestmark = pytest.mark.klines


@pytest.mark.parametrize("length", RIBBON_LENGTHS)
def test_ema_matches_talib_on_real_candles(real_candles, length):
    for candles in real_candles.values():
        close = candles.close
        assert_matches(ema(close, length), talib.EMA(close, length), warmup=0, scale=float(np.median(close)))


def test_ema_is_seeded_with_the_sma_of_the_first_values():
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    result = ema(values, 3)
    assert np.isnan(result[:2]).all()
    assert result[2] == 2.0  # SMA of 1, 2, 3
    assert result[3] == pytest.approx(2.0 + 0.5 * (4.0 - 2.0))
    assert result[4] == pytest.approx(3.0 + 0.5 * (10.0 - 3.0))


def test_ema_of_too_few_values_is_all_nan():
    assert np.isnan(ema(np.array([1.0, 2.0]), 8)).all()


@pytest.mark.parametrize(
    ("values", "state"),
    [
        ((6, 5, 4, 3, 2, 1), "bullish"),
        ((1, 2, 3, 4, 5, 6), "bearish"),
        ((6, 5, 4, 3, 2, 2), "mixed"),  # equal EMAs are not stacked
        ((6, 5, 4, 3, 1, 2), "mixed"),
    ],
)
def test_ribbon_state_requires_a_strict_stack(values, state):
    assert ribbon_state(values) == state


def test_ribbon_spread_is_the_distance_in_atr_mapped_to_0_100():
    assert ribbon_spread(fastest=102.5, slowest=100.0, atr=1.0) == 50.0  # 2.5 ATR of 5 -> 50
    assert ribbon_spread(fastest=90.0, slowest=100.0, atr=1.0) == 100.0  # 10 ATR clipped
    assert ribbon_spread(fastest=100.0, slowest=100.0, atr=0.0) == 0.0  # flat: no ATR


@given(
    st.floats(min_value=1e-9, max_value=1e9),
    st.floats(min_value=1e-9, max_value=1e9),
    st.floats(min_value=0, max_value=1e9),
)
def test_ribbon_spread_stays_within_0_100(fastest, slowest, atr):
    assert 0.0 <= ribbon_spread(fastest=fastest, slowest=slowest, atr=atr) <= 100.0
