import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta.engine.candles import candles_from_frame
from ta.engine.structure.fibonacci import (
    DEFAULT_FIB_CONFIG,
    LONG,
    SHORT,
    STATE_APPROACHING,
    STATE_ENTRY_ZONE,
    STATE_INVALIDATED,
    STATE_NONE,
    STATE_PULLBACK,
    FibConfig,
    FibSide,
    fib_setup,
)
from ta.engine.structure.swings import HIGH, LOW, SwingPoint, swings_detect


def _point(index, price, kind):
    return SwingPoint(index=index, open_time_ns=index, price=price, kind=kind, strength=5)


def test_the_seeds_configuration_is_the_default():
    long, short = DEFAULT_FIB_CONFIG.long, DEFAULT_FIB_CONFIG.short
    assert (long.entry1, long.entry2, long.stop, long.approaching) == (0.70, 0.72, 0.90, 0.618)
    assert (short.entry1, short.entry2, short.stop, short.approaching) == (0.618, 0.69, 0.789, 0.5)
    assert DEFAULT_FIB_CONFIG.pullback_start == 0.382
    assert DEFAULT_FIB_CONFIG.problem() is None


def test_a_zigzag_after_a_peak_gives_the_long_setup_at_known_prices():
    from ta.tests.engine.structure.series import zigzag_frame

    candles = candles_from_frame(zigzag_frame(58))  # last peak bar 50 (high 110.5), trough bar 40 (low 99.5)
    swings = swings_detect(high=candles.high, low=candles.low, open_time_ns=candles.open_time_ns)
    setup = fib_setup(swings=swings, close=float(candles.close[-1]))  # close 103
    assert setup.direction == LONG
    assert (setup.swing_high.price, setup.swing_low.price) == (110.5, 99.5)
    assert setup.entry1 == pytest.approx(110.5 - 0.70 * 11)  # 102.8
    assert setup.entry2 == pytest.approx(110.5 - 0.72 * 11)  # 102.58
    assert setup.stop == pytest.approx(110.5 - 0.90 * 11)  # 100.6
    assert setup.approaching == pytest.approx(110.5 - 0.618 * 11)
    assert setup.take_profits == pytest.approx((105.0, 110.5 - 0.382 * 11, 110.5 - 0.236 * 11))
    assert setup.levels[0.5] == pytest.approx(105.0)
    assert setup.retracement == pytest.approx(7.5 / 11)
    assert setup.state == STATE_APPROACHING


def test_the_seeds_btc_example_prices_come_out_of_its_swings():
    swings = [_point(1, 100734.0, LOW), _point(9, 104010.0, HIGH)]
    setup = fib_setup(swings=swings, close=102244.0)
    assert setup.direction == LONG
    assert round(setup.entry1) == 101717  # seed: 101718
    assert round(setup.stop) == 101062  # seed: 101062
    assert [round(price) for price in setup.take_profits] == [102372, 102759, 103237]  # seed: 102374, 102761, 103240


def test_the_seeds_sol_example_short_prices_come_out_of_its_swings():
    swings = [_point(1, 160.97, HIGH), _point(9, 151.02, LOW)]
    setup = fib_setup(swings=swings, close=156.01)
    assert setup.direction == SHORT
    assert round(setup.entry1, 2) == 157.17  # seed: 157.17
    assert [round(price, 2) for price in setup.take_profits] == [154.82, 153.37, 151.02]  # seed exactly
    assert setup.stop == pytest.approx(151.02 + 0.789 * 9.95)


@pytest.mark.parametrize(
    ("close", "state"),
    [(110.0, STATE_NONE), (106.0, STATE_PULLBACK), (103.5, STATE_APPROACHING), (102.0, STATE_ENTRY_ZONE),
     (100.0, STATE_INVALIDATED)],
)
def test_pullback_state_follows_how_far_price_came_back(close, state):
    swings = [_point(1, 99.5, LOW), _point(9, 110.5, HIGH)]
    assert fib_setup(swings=swings, close=close).state == state


def test_no_pair_or_an_inverted_pair_gives_no_setup():
    assert fib_setup(swings=[], close=100.0) is None
    assert fib_setup(swings=[_point(1, 100.0, HIGH), _point(2, 101.0, HIGH)], close=100.0) is None
    assert fib_setup(swings=[_point(1, 105.0, LOW), _point(2, 100.0, HIGH)], close=100.0) is None


def test_an_insane_configuration_is_reported():
    bad = FibConfig(long=FibSide(entry1=0.9, entry2=0.72, stop=0.95, approaching=0.618,
                                 take_profits=(0.5, 0.382, 0.236)))
    assert "entry1 <= entry2" in bad.problem()


prices = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(low=prices, span_fraction=st.floats(min_value=0.001, max_value=5.0), newest_high=st.booleans(),
       close_fraction=st.floats(min_value=-1.0, max_value=2.0))
def test_stop_is_beyond_the_entries_and_targets_ascend_in_the_trades_direction(
    low, span_fraction, newest_high, close_fraction
):
    high = low * (1 + span_fraction)
    swings = [_point(1, low, LOW), _point(2, high, HIGH)] if newest_high else [
        _point(1, high, HIGH), _point(2, low, LOW)]
    setup = fib_setup(swings=swings, close=low + close_fraction * (high - low))
    tp1, tp2, tp3 = setup.take_profits
    if setup.direction == LONG:
        assert setup.stop < setup.entry2 <= setup.entry1 < tp1 < tp2 < tp3
    else:
        assert setup.stop > setup.entry2 >= setup.entry1 > tp1 > tp2 > tp3
