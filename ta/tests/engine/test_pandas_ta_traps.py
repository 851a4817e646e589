"""The pandas-ta traps of the issue, measured on this stack: each shows why the engine does
not call that pandas-ta function, and that the engine holds the stated definition instead."""

import numpy as np
import pandas_ta
import pytest
import talib

from ta.engine.atr import adx
from ta.engine.bollinger import bollinger
from ta.engine.rsi import rsi
from ta.engine.squeeze import squeeze_momentum

pytestmark = pytest.mark.klines


@pytest.fixture(scope="module")
def btc(real_frames):
    return real_frames["BTCUSDT-5m"].iloc[:500]


def test_pandas_ta_silently_switches_to_talib_and_its_own_rsi_is_not_wilder_seeded(btc):
    ours = rsi(btc.close.to_numpy())
    default = pandas_ta.rsi(btc.close, 14).to_numpy()  # TA-Lib is installed: pandas-ta uses it
    own = pandas_ta.rsi(btc.close, 14, talib=False).to_numpy()
    assert np.nanmax(np.abs(default - talib.RSI(btc.close.to_numpy(), 14))) < 1e-9
    assert np.nanmax(np.abs(own - ours)) > 1.0  # a different answer depending on what is installed
    assert np.nanmax(np.abs(default - ours)) < 1e-9


def test_pandas_ta_bollinger_uses_the_sample_sigma_unless_ddof_0(btc):
    ours = bollinger(btc.close.to_numpy()).upper
    sample = pandas_ta.bbands(btc.close, 20, 2.0, talib=False).filter(like="BBU").iloc[:, 0].to_numpy()
    population = pandas_ta.bbands(btc.close, 20, 2.0, ddof=0, talib=False).filter(like="BBU").iloc[:, 0].to_numpy()
    assert np.nanmax(np.abs(sample - ours)) > 1.0
    assert np.nanmax(np.abs(population - ours) / ours) < 1e-9


def test_pandas_ta_adx_di_columns_hold_smoothed_dm_with_talib(btc):
    high, low, close = (btc[name].to_numpy() for name in ("high", "low", "close"))
    ours = adx(high, low, close)
    with_talib = pandas_ta.adx(btc.high, btc.low, btc.close, 14, talib=True)
    assert with_talib["DMP_14"].iloc[-1] > 100  # not a percentage: smoothed +DM in dollars
    assert ours.plus_di[-1] == pytest.approx(talib.PLUS_DI(high, low, close, 14)[-1], rel=1e-9)
    assert 0 <= ours.plus_di[-1] <= 100


def test_pandas_ta_squeeze_default_momentum_is_not_lazybears(btc):
    high, low, close = (btc[name].to_numpy() for name in ("high", "low", "close"))
    theirs = pandas_ta.squeeze(btc.high, btc.low, btc.close).iloc[:, 0].to_numpy()
    ours = squeeze_momentum(high, low, close)
    assert np.nanmax(np.abs(theirs - ours)) > 1.0
