import numpy as np
import pandas as pd
import pytest

from ta.engine.keltner import keltner
from ta.tests.engine.conftest import assert_matches

pytestmark = pytest.mark.klines


def test_channel_is_sma_basis_plus_minus_1_5_sma_of_true_range(real_candles):
    for candles in real_candles.values():
        high, low, close = (pd.Series(values) for values in (candles.high, candles.low, candles.close))
        previous = close.shift(1)
        true_range = pd.concat([high - low, (high - previous).abs(), (low - previous).abs()], axis=1).max(axis=1)
        true_range[0] = np.nan  # no previous close on the first bar
        basis = close.rolling(20).mean()
        range_average = true_range.rolling(20).mean()
        channel = keltner(candles.high, candles.low, candles.close)
        scale = float(np.median(candles.close))
        assert_matches(channel.mid, basis.to_numpy(), warmup=0, scale=scale)
        assert_matches(channel.upper, (basis + 1.5 * range_average).to_numpy(), warmup=0, scale=scale)
        assert_matches(channel.lower, (basis - 1.5 * range_average).to_numpy(), warmup=0, scale=scale)
