import numpy as np
import pandas as pd
import pytest
import talib

from ta.engine.bollinger import Bands, bb_position, bb_width, bollinger
from ta.tests.engine.conftest import assert_matches

pytestmark = pytest.mark.klines


def test_bands_match_talib_bbands_on_real_candles(real_candles):
    for candles in real_candles.values():
        bands = bollinger(candles.close)
        upper, mid, lower = talib.BBANDS(candles.close, 20, 2.0, 2.0)
        scale = float(np.median(candles.close))
        for ours, theirs in ((bands.upper, upper), (bands.mid, mid), (bands.lower, lower)):
            assert_matches(ours, theirs, warmup=0, scale=scale)


def test_bands_use_the_population_sigma(real_candles):
    close = real_candles["BTCUSDT-5m"].close
    series = pd.Series(close)
    population = series.rolling(20).mean() + 2 * series.rolling(20).std(ddof=0)
    sample = series.rolling(20).mean() + 2 * series.rolling(20).std(ddof=1)
    upper = bollinger(close).upper
    assert_matches(upper, population.to_numpy(), warmup=0, scale=float(np.median(close)))
    assert not np.allclose(upper[19:], sample.to_numpy()[19:], rtol=1e-9)


def test_position_is_0_at_the_lower_band_1_at_the_upper_and_half_when_flat():
    bands = Bands(upper=np.array([12.0, 10.0]), mid=np.array([10.0, 10.0]), lower=np.array([8.0, 10.0]))
    assert bb_position(close=np.array([8.0, 10.0]), bands=bands).tolist() == [0.0, 0.5]
    assert bb_position(close=np.array([12.0, 10.0]), bands=bands)[0] == 1.0
    assert bb_width(bands).tolist() == [0.4, 0.0]
