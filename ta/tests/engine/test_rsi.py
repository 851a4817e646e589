import numpy as np
import pytest
import talib

from ta.engine.rsi import rsi
from ta.tests.engine.conftest import assert_matches

pytestmark = pytest.mark.klines


def test_rsi_matches_talib_wilder_rsi_on_real_candles(real_candles):
    for candles in real_candles.values():
        assert_matches(rsi(candles.close), talib.RSI(candles.close, 14), warmup=0, scale=100.0)


def wilder_rsi_by_definition(close: np.ndarray, length: int) -> np.ndarray:
    """Written from Wilder's definition for this test: SMA seed, then (avg*(n-1)+x)/n."""
    changes = np.diff(close)
    gains, losses = np.clip(changes, 0, None), np.clip(-changes, 0, None)
    out = np.full(close.size, np.nan)
    average_gain, average_loss = gains[:length].mean(), losses[:length].mean()
    out[length] = 100 * average_gain / (average_gain + average_loss)
    for index in range(length + 1, close.size):
        average_gain = (average_gain * (length - 1) + gains[index - 1]) / length
        average_loss = (average_loss * (length - 1) + losses[index - 1]) / length
        out[index] = 100 * average_gain / (average_gain + average_loss)
    return out


def test_rsi_is_wilder_seeded_from_its_first_value(real_candles):
    close = real_candles["XRPUSDT-5m"].close[:300]
    result = rsi(close)
    assert np.isnan(result[:14]).all() and not np.isnan(result[14])
    assert_matches(result, wilder_rsi_by_definition(close, 14), warmup=0, scale=100.0)


def test_rsi_of_a_flat_series_is_neutral_and_of_a_rising_one_100():
    assert rsi(np.full(30, 5.0))[-1] == 50.0
    assert rsi(np.arange(1.0, 31.0))[-1] == 100.0
