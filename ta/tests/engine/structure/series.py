"""Constructed candle series with known structure for the structure and strategy tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

LEG_BARS = 10
TROUGH = 100.0
PEAK = 110.0
WICK = 0.5


def zigzag_close(bars: int, *, trough: float = TROUGH, peak: float = PEAK, leg: int = LEG_BARS) -> np.ndarray:
    """A triangle wave: trough at bar 0, 2*leg, ...; peak at leg, 3*leg, ... (linear legs)."""
    phase = np.arange(bars) % (2 * leg)
    step = (peak - trough) / leg
    return np.where(phase <= leg, trough + phase * step, peak - (phase - leg) * step)


def frame_from_close(
    close: np.ndarray, *, wick: float = WICK, start: str = "2024-01-01", freq: str = "1h",
    open_: np.ndarray | None = None,
) -> pd.DataFrame:
    """Candles with high/low at max/min(open, close) +/- ``wick``; open = the close unless given."""
    close = np.asarray(close, dtype=np.float64)
    open_ = close if open_ is None else np.asarray(open_, dtype=np.float64)
    index = pd.date_range(start, periods=close.size, freq=freq, tz="UTC", name="open_time")
    return pd.DataFrame(
        {"open": open_, "high": np.maximum(open_, close) + wick, "low": np.minimum(open_, close) - wick,
         "close": close, "volume": np.full(close.size, 100.0)},
        index=index,
    )


def zigzag_frame(bars: int, **kwargs: float) -> pd.DataFrame:
    """``frame_from_close(zigzag_close(bars))``: highs peak at PEAK + 0.5, lows bottom at TROUGH - 0.5."""
    return frame_from_close(zigzag_close(bars, **kwargs))
