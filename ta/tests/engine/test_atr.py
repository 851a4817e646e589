import numpy as np
import pytest
import talib

from ta.engine.atr import adx, atr
from ta.tests.engine.conftest import assert_matches

pytestmark = pytest.mark.klines


def test_atr_matches_talib_on_real_candles(real_candles):
    for candles in real_candles.values():
        expected = talib.ATR(candles.high, candles.low, candles.close, 14)
        assert_matches(atr(candles.high, candles.low, candles.close), expected, warmup=0,
                       scale=float(np.median(candles.close)))


def test_adx_and_directional_indexes_match_talib(real_candles):
    for candles in real_candles.values():
        high, low, close = candles.high, candles.low, candles.close
        result = adx(high, low, close)
        assert_matches(result.adx, talib.ADX(high, low, close, 14), warmup=0, scale=100.0)
        assert_matches(result.plus_di, talib.PLUS_DI(high, low, close, 14), warmup=0, scale=100.0)
        assert_matches(result.minus_di, talib.MINUS_DI(high, low, close, 14), warmup=0, scale=100.0)


def test_directional_indexes_are_percentages_not_smoothed_movement(real_candles):
    candles = real_candles["BTCUSDT-5m"]  # prices ~40,000: smoothed DM would be in the hundreds
    result = adx(candles.high, candles.low, candles.close)
    for series in (result.plus_di, result.minus_di, result.adx):
        assert np.nanmin(series) >= 0 and np.nanmax(series) <= 100
    assert np.isnan(result.adx[:27]).all() and not np.isnan(result.adx[27])
