import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ta.engine.candles import candles_read_csv
from ta.engine.structure.analysis import STATUS_INSUFFICIENT, structure_analyse
from ta.engine.structure.fibonacci import LONG
from ta.tests.engine.structure.series import zigzag_frame


def test_a_zigzag_gives_its_levels_setup_and_signal():
    analysis = structure_analyse(zigzag_frame(98))  # last peak bar 90, close at bar 97 = 103
    assert analysis.ok
    signal = analysis.signal
    assert (signal.direction, signal.swing_high, signal.swing_low, signal.price) == (LONG, 110.5, 99.5, 103.0)
    assert signal.entry1 == pytest.approx(102.8)
    assert signal.support_level == 99.5 and signal.resistance_level == 110.5
    assert signal.risk_reward_ratio == round((110.5 - 0.236 * 11 - 102.8) / (102.8 - 100.6), 2)
    assert signal.state == "approaching" and signal.actionable
    assert "FIB" in signal.confluence.codes


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (zigzag_frame(30), "30 candles, at least 50 needed"),
        (zigzag_frame(98).assign(close=lambda f: f.close.where(f.index != f.index[40], np.nan)), "missing prices"),
        (zigzag_frame(98).assign(open=100.0, high=100.0, low=100.0, close=100.0), "flat prices"),
        (pd.DataFrame({"close": [1.0]}), "lack columns"),
    ],
)
def test_bad_candles_give_insufficient_data_with_the_reason(frame, reason):
    analysis = structure_analyse(frame)
    assert analysis.status == STATUS_INSUFFICIENT
    assert reason in analysis.reason
    assert analysis.signal is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(returns=st.lists(st.floats(min_value=-0.05, max_value=0.05), min_size=60, max_size=200),
       wick=st.floats(min_value=0.0, max_value=0.02))
def test_on_any_random_walk_scores_stay_in_range_and_the_plan_is_ordered(returns, wick):
    close = 100.0 * np.cumprod(1.0 + np.asarray(returns))
    index = pd.date_range("2024-01-01", periods=close.size, freq="1h", tz="UTC")
    frame = pd.DataFrame({"open": close, "high": close * (1 + wick), "low": close * (1 - wick), "close": close,
                          "volume": 10.0}, index=index)
    analysis = structure_analyse(frame)
    if not analysis.ok or analysis.signal is None:
        return
    signal = analysis.signal
    assert 0 <= signal.market_score <= 100
    assert 0.0 <= signal.confidence_score <= 100.0
    assert signal.risk_reward_ratio > 0
    if signal.direction == LONG:
        assert signal.stop < signal.entry2 <= signal.entry1 < signal.tp1 < signal.tp2 < signal.tp3
    else:
        assert signal.stop > signal.entry2 >= signal.entry1 > signal.tp1 > signal.tp2 > signal.tp3


@pytest.mark.klines
@pytest.mark.parametrize("name", ["BTCUSDT-1h", "SOLUSDT-4h", "PEPEUSDT-5m", "XRPUSDT-1h"])
def test_real_candles_give_a_consistent_structure(klines_dir, name):
    frame = candles_read_csv(str(klines_dir / f"{name}.csv.gz")).iloc[-500:]
    analysis = structure_analyse(frame)
    assert analysis.ok
    assert len(analysis.swings) > 20 and analysis.levels
    assert all(level.touches >= 2 and level.zone_low <= level.price <= level.zone_high for level in analysis.levels)
    assert all(level.zone_high - level.zone_low <= analysis.tolerance + 1e-12 for level in analysis.levels)
    signal = analysis.signal
    assert signal is not None
    if signal.support_level is not None:
        assert signal.support_level <= signal.price
    if signal.resistance_level is not None:
        assert signal.resistance_level > signal.price
    newest = analysis.swings[-1]
    assert newest.index <= len(frame) - 1 - 5  # confirmed only after 5 bars
    expected_direction = "long" if newest.kind == "high" else "short"
    assert signal.direction == expected_direction
