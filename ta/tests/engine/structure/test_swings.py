import numpy as np
import pytest

from ta.engine.candles import candles_from_frame
from ta.engine.structure.swings import HIGH, LOW, swing_latest, swings_detect
from ta.tests.engine.structure.series import PEAK, TROUGH, WICK, frame_from_close, zigzag_frame


def _swings(frame, strength=5):
    candles = candles_from_frame(frame)
    return swings_detect(high=candles.high, low=candles.low, open_time_ns=candles.open_time_ns, strength=strength)


def test_a_clean_zigzag_has_its_peaks_and_troughs_as_swings():
    swings = _swings(zigzag_frame(58))
    assert [(point.index, point.kind) for point in swings] == [
        (10, HIGH), (20, LOW), (30, HIGH), (40, LOW), (50, HIGH),
    ]
    assert {point.price for point in swings if point.kind == HIGH} == {PEAK + WICK}
    assert {point.price for point in swings if point.kind == LOW} == {TROUGH - WICK}


def test_a_swing_is_confirmed_only_after_strength_bars():
    # The peak at bar 50 needs bars 51..55 after it.
    assert swing_latest(_swings(zigzag_frame(55)), HIGH).index == 30
    assert swing_latest(_swings(zigzag_frame(56)), HIGH).index == 50


def test_of_equal_highs_the_earlier_bar_is_the_swing():
    close = np.array([1, 2, 3, 4, 5, 9, 9, 5, 4, 3, 2, 1, 1], dtype=float)
    swings = _swings(frame_from_close(close + 100), strength=5)
    assert [(point.index, point.kind) for point in swings if point.kind == HIGH] == [(5, HIGH)]


def test_the_first_bars_cannot_be_swings_without_strength_bars_before_them():
    close = np.array([20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], dtype=float)
    assert _swings(frame_from_close(close + 100)) == []


def test_strength_changes_what_counts_as_a_swing():
    close = np.array([7, 4, 3, 2, 4, 6, 4, 2, 1, 0, -1, -2, -3, -4], dtype=float) + 100
    assert [point.index for point in _swings(frame_from_close(close), strength=2) if point.kind == HIGH] == [5]
    assert [point.index for point in _swings(frame_from_close(close), strength=5) if point.kind == HIGH] == []


def test_too_few_bars_give_no_swings_and_a_bad_strength_is_refused():
    assert _swings(zigzag_frame(10)) == []
    with pytest.raises(ValueError, match="strength"):
        _swings(zigzag_frame(30), strength=0)


def test_a_nan_bar_is_never_a_swing():
    frame = zigzag_frame(58)
    frame.iloc[30, frame.columns.get_loc("high")] = np.nan
    assert 30 not in [point.index for point in _swings(frame) if point.kind == HIGH]


@pytest.mark.klines
def test_every_swing_on_real_candles_satisfies_the_definition(klines_dir):
    from ta.engine.candles import candles_read_csv

    frame = candles_read_csv(str(klines_dir / "BTCUSDT-1h.csv.gz")).iloc[-500:]
    candles = candles_from_frame(frame)
    swings = swings_detect(high=candles.high, low=candles.low, open_time_ns=candles.open_time_ns)
    found = {(point.index, point.kind) for point in swings}
    expected = set()
    for index in range(5, len(candles) - 5):
        high, low = candles.high, candles.low
        if high[index] > high[index - 5:index].max() and high[index] >= high[index + 1:index + 6].max():
            expected.add((index, HIGH))
        if low[index] < low[index - 5:index].min() and low[index] <= low[index + 1:index + 6].min():
            expected.add((index, LOW))
    assert found == expected
    assert len(found) > 20
