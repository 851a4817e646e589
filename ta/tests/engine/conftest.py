"""Real candles for the engine tests (small slices of the shared Binance klines) and a comparison helper."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ta.engine.candles import Candles, candles_from_frame, candles_read_csv

REFERENCE_CANDLES = 2_000


def assert_matches(actual: np.ndarray, expected: np.ndarray, *, warmup: int, scale: float) -> None:
    """After ``warmup`` bars: same NaN pattern, and |a - e| <= 1e-9 * max(|e|, scale).

    ``scale`` is the series' natural magnitude (100 for a 0-100 oscillator, the median
    price for price-unit series), so values crossing zero are not compared as infinitely
    relative.
    """
    actual, expected = actual[warmup:], expected[warmup:]
    assert np.array_equal(np.isnan(actual), np.isnan(expected)), "warm-up (NaN) pattern differs"
    mask = ~np.isnan(expected)
    assert mask.any()
    tolerance = 1e-9 * np.maximum(np.abs(expected[mask]), scale)
    worst = np.max(np.abs(actual[mask] - expected[mask]) - tolerance)
    assert worst <= 0, f"difference exceeds 1e-9 relative by {worst:g}"


@pytest.fixture(scope="session")
def real_frames(klines_dir) -> dict[str, pd.DataFrame]:
    """BTC (large prices), PEPE (prices ~1e-5) and XRP 5m, and SOL 1h/4h: the first 2,000 candles each."""
    names = ("BTCUSDT-5m", "PEPEUSDT-5m", "XRPUSDT-5m", "SOLUSDT-1h", "SOLUSDT-4h")
    return {
        name: candles_read_csv(str(klines_dir / f"{name}.csv.gz")).iloc[:REFERENCE_CANDLES] for name in names
    }


@pytest.fixture(scope="session")
def real_candles(real_frames) -> dict[str, Candles]:
    return {name: candles_from_frame(frame) for name, frame in real_frames.items()}


def frame_of(close, *, high=None, low=None, volume=None, start="2024-01-01", freq="5min") -> pd.DataFrame:
    """A candle frame from arrays (high/low default to close +/- 0.1 %, volume to 100)."""
    close = np.asarray(close, dtype=np.float64)
    high = close * 1.001 if high is None else np.asarray(high, dtype=np.float64)
    low = close * 0.999 if low is None else np.asarray(low, dtype=np.float64)
    volume = np.full(close.size, 100.0) if volume is None else np.asarray(volume, dtype=np.float64)
    index = pd.date_range(start, periods=close.size, freq=freq, tz="UTC")
    return pd.DataFrame({"open": close, "high": high, "low": low, "close": close, "volume": volume}, index=index)
