import numpy as np
import pytest
import talib

from ta.engine.stochrsi import stoch_rsi
from ta.tests.engine.conftest import assert_matches

pytestmark = pytest.mark.klines


def test_k_equals_talib_stochrsi_fastd_and_d_its_sma3(real_candles):
    for candles in real_candles.values():
        k, d = stoch_rsi(candles.close)
        _, talib_fastd = talib.STOCHRSI(candles.close, timeperiod=14, fastk_period=14, fastd_period=3)
        assert_matches(k, talib_fastd, warmup=0, scale=100.0)
        assert_matches(d, talib.SMA(talib_fastd, 3), warmup=0, scale=100.0)


def test_warmup_k_from_29_and_d_from_31(real_candles):
    k, d = stoch_rsi(real_candles["BTCUSDT-5m"].close[:60])
    assert np.isnan(k[:29]).all() and not np.isnan(k[29])
    assert np.isnan(d[:31]).all() and not np.isnan(d[31])
    assert np.nanmin(k) >= 0 and np.nanmax(k) <= 100
