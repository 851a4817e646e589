from ta.engine.candles import candles_from_frame
from ta.engine.structure.levels import (
    RESISTANCE,
    SUPPORT,
    level_nearest_resistance,
    level_nearest_support,
    levels_detect,
)
from ta.engine.structure.swings import HIGH, LOW, SwingPoint, swings_detect
from ta.tests.engine.structure.series import PEAK, TROUGH, WICK, zigzag_frame


def _point(index, price, kind):
    return SwingPoint(index=index, open_time_ns=index * 10, price=price, kind=kind, strength=5)


def test_a_zigzag_has_one_resistance_at_its_peaks_and_one_support_at_its_troughs():
    candles = candles_from_frame(zigzag_frame(98))
    swings = swings_detect(high=candles.high, low=candles.low, open_time_ns=candles.open_time_ns)
    levels = levels_detect(swings=swings, close=105.0, atr=1.5)
    assert [(level.price, level.kind, level.touches, level.active) for level in levels] == [
        (TROUGH - WICK, SUPPORT, 4, True),
        (PEAK + WICK, RESISTANCE, 5, True),
    ]
    assert levels[0].strength == 100


def test_touches_cluster_within_the_atr_tolerance_and_no_wider():
    swings = [_point(1, 100.0, LOW), _point(2, 100.4, LOW), _point(3, 100.8, HIGH), _point(4, 101.3, HIGH)]
    # tolerance 0.5 x ATR 1.0 = 0.5: {100, 100.4} and {100.8, 101.3}
    levels = levels_detect(swings=swings, close=102.0, atr=1.0)
    assert [(round(level.price, 2), level.touches) for level in levels] == [(100.2, 2), (101.05, 2)]


def test_a_percent_tolerance_replaces_the_atr_one():
    swings = [_point(1, 100.0, LOW), _point(2, 100.9, LOW)]
    assert levels_detect(swings=swings, close=105.0, atr=1.0) == []
    assert levels_detect(swings=swings, close=105.0, atr=1.0, tolerance_pct=1.0)[0].touches == 2


def test_a_single_touch_is_not_a_level_unless_asked():
    swings = [_point(1, 100.0, LOW), _point(2, 110.0, HIGH)]
    assert levels_detect(swings=swings, close=105.0, atr=1.0) == []
    assert len(levels_detect(swings=swings, close=105.0, atr=1.0, min_touches=1)) == 2


def test_a_resistance_closed_through_is_broken_and_acts_as_support():
    swings = [_point(1, 110.0, HIGH), _point(5, 110.2, HIGH)]
    (level,) = levels_detect(swings=swings, close=112.0, atr=1.0)
    assert (level.origin, level.active, level.kind) == (RESISTANCE, False, SUPPORT)
    (level,) = levels_detect(swings=swings, close=110.3, atr=1.0)  # within the tolerance: still holding
    assert (level.origin, level.active) == (RESISTANCE, True)


def test_nearest_support_and_resistance_bracket_the_price():
    swings = [_point(i, price, LOW) for i, price in enumerate((90, 90.1, 95, 95.1, 105, 105.1, 120, 120.1))]
    levels = levels_detect(swings=swings, close=100.0, atr=1.0)
    assert round(level_nearest_support(levels, price=100.0).price, 2) == 95.05
    assert round(level_nearest_resistance(levels, price=100.0).price, 2) == 105.05
    assert level_nearest_resistance(levels, price=200.0) is None


def test_no_swings_no_levels():
    assert levels_detect(swings=[], close=100.0, atr=1.0) == []
