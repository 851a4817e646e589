import numpy as np
import pandas as pd
import pytest

from ta.engine.candles import candles_from_frame
from ta.engine.vwap import vwap, vwap_deviation_pct
from ta.tests.engine.conftest import assert_matches, frame_of

pytestmark = pytest.mark.klines


def test_vwap_restarts_every_utc_day_on_real_candles(real_frames):
    frame = real_frames["BTCUSDT-5m"]
    typical = (frame.high + frame.low + frame.close) / 3
    day = frame.index.floor("D")
    expected = (typical * frame.volume).groupby(day).cumsum() / frame.volume.groupby(day).cumsum()
    candles = candles_from_frame(frame)
    result = vwap(candles.high, candles.low, candles.close, candles.volume, candles.open_time_ns)
    assert_matches(result, expected.to_numpy(), warmup=0, scale=float(frame.close.median()))
    first_of_day = np.flatnonzero(frame.index == frame.index.floor("D"))[1]
    assert result[first_of_day] == pytest.approx(typical.iloc[first_of_day])


def test_a_day_without_volume_yet_takes_the_typical_price():
    frame = frame_of([10.0, 11.0, 12.0], high=[10.0, 11.0, 12.0], low=[10.0, 11.0, 12.0], volume=[0.0, 0.0, 5.0])
    candles = candles_from_frame(frame)
    result = vwap(candles.high, candles.low, candles.close, candles.volume, candles.open_time_ns)
    assert result.tolist() == [10.0, 11.0, 12.0]


def test_deviation_is_positive_above_vwap():
    assert vwap_deviation_pct(close=101.0, vwap_value=100.0) == pytest.approx(1.0)
    assert vwap_deviation_pct(close=99.0, vwap_value=100.0) == pytest.approx(-1.0)


def test_naive_timestamps_are_read_as_utc():
    frame = frame_of([1.0, 2.0])
    naive = frame.tz_localize(None)
    assert (candles_from_frame(naive).open_time_ns == candles_from_frame(frame).open_time_ns).all()
    assert pd.Timestamp(candles_from_frame(frame).open_time_ns[0], tz="UTC") == frame.index[0]
