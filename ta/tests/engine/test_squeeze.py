import numpy as np
import pandas as pd
import pytest
import talib

from ta.engine.bollinger import bollinger
from ta.engine.keltner import keltner
from ta.engine.squeeze import squeeze_latest, squeeze_momentum, squeeze_on
from ta.tests.engine.conftest import assert_matches


def squeeze_by_definition(high, low, close, *, with_margin=False):
    """BB(20, 2, population) strictly inside KC(20, 1.5, SMA of true range), in pandas.

    With ``with_margin`` also return |KC half-width - BB half-width| per bar.
    """
    high, low, close = pd.Series(high), pd.Series(low), pd.Series(close)
    basis = close.rolling(20).mean()
    sigma = close.rolling(20).std(ddof=0)
    true_range = pd.concat([high - low, (high - close.shift()).abs(), (low - close.shift()).abs()], axis=1).max(axis=1)
    true_range[0] = np.nan
    range_average = true_range.rolling(20).mean()
    inside = (basis - 2 * sigma > basis - 1.5 * range_average) & (basis + 2 * sigma < basis + 1.5 * range_average)
    on = inside.to_numpy()
    if with_margin:
        return on, (1.5 * range_average - 2 * sigma).abs().to_numpy()
    return on


def trend_then_coil_then_breakout():
    """60 bars trending up by 1, 30 flat bars with a 2-wide range (a coil), then a jump up."""
    close = np.concatenate([100.0 + np.arange(60), np.full(30, 160.0), [175.0]])
    high = np.concatenate([close[:60] + 0.1, close[60:90] + 1.0, [176.0]])
    low = np.concatenate([close[:60] - 0.1, close[60:90] - 1.0, [170.0]])
    return high, low, close


def squeeze_state(high, low, close):
    on = squeeze_on(bollinger_bands=bollinger(close), keltner_channel=keltner(high, low, close))
    return on, squeeze_latest(on=on, momentum=squeeze_momentum(high, low, close))


def test_a_coil_after_a_trend_is_a_squeeze_counted_bar_by_bar():
    high, low, close = trend_then_coil_then_breakout()
    on, state = squeeze_state(high[:90], low[:90], close[:90])
    assert not on[59]  # the trend: Bollinger wider than Keltner
    assert on[79:90].all()  # 20 flat closes: sigma 0, so BB inside KC
    expected_on = squeeze_by_definition(high[:90], low[:90], close[:90])
    assert (on == expected_on).all()
    run = 0
    while run < 90 and expected_on[89 - run]:
        run += 1
    assert state.squeeze is True and state.fired is False
    assert state.bars_in_squeeze == run >= 11


def test_the_breakout_fires_the_squeeze_with_bullish_momentum():
    high, low, close = trend_then_coil_then_breakout()
    _, before = squeeze_state(high[:90], low[:90], close[:90])
    _, state = squeeze_state(high, low, close)
    assert state.squeeze is False and state.fired is True
    assert state.direction == "bullish" and state.momentum > 0
    assert state.bars_in_squeeze == before.bars_in_squeeze  # the length of the squeeze that just fired


def test_off_without_a_preceding_squeeze_is_not_fired():
    close = 100.0 + np.arange(80.0)
    _, state = squeeze_state(close + 0.1, close - 0.1, close)
    assert (state.squeeze, state.fired, state.bars_in_squeeze) == (False, False, 0)


def test_momentum_before_warmup_gives_no_state():
    close = 100.0 + np.arange(30.0)
    _, state = squeeze_state(close + 0.1, close - 0.1, close)
    assert state is None


@pytest.mark.klines
def test_momentum_is_lazybears_linreg_on_real_candles(real_candles):
    for candles in real_candles.values():
        high, low, close = candles.high, candles.low, candles.close
        midline = ((talib.MAX(high, 20) + talib.MIN(low, 20)) / 2 + talib.SMA(close, 20)) / 2
        expected = talib.LINEARREG(close - midline, 20)
        assert_matches(squeeze_momentum(high, low, close), expected, warmup=0, scale=float(np.median(close)))


@pytest.mark.klines
def test_squeeze_on_real_candles_matches_the_definition(real_candles):
    for candles in real_candles.values():
        on, _ = squeeze_state(candles.high, candles.low, candles.close)
        expected, margin = squeeze_by_definition(candles.high, candles.low, candles.close, with_margin=True)
        # Tick-quantised prices (PEPE) make the bands exactly equal at some bars; there
        # the answer hangs on the last bit of rounding, so those exact ties are skipped.
        decided = ~(margin <= 1e-9 * candles.close)
        assert (on[decided] == expected[decided]).all()
        assert decided.mean() > 0.99
        assert 0 < on.mean() < 1  # both states occur on real data
