"""Candles as the engine reads them: float64 arrays from a DataFrame, checked up front.

The input DataFrame has columns open, high, low, close, volume (floats) and is indexed
by the candles' open time (aware UTC), ascending: what ``ta.selectors.candles_frame``
returns and what ``candles_read_csv`` builds from a kline CSV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COLUMNS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Candles:
    """One timeframe's candles as contiguous float64 arrays; ``open_time_ns`` is int64 ns since epoch (UTC)."""

    open_time_ns: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __len__(self) -> int:
        return int(self.close.size)


def candles_from_frame(frame: pd.DataFrame) -> Candles:
    """Arrays of ``frame`` (see the module docstring); raises ValueError if a column is missing."""
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise ValueError(f"candles lack columns: {', '.join(missing)}")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        index = pd.DatetimeIndex(index)
    if index.tz is None:
        index = index.tz_localize("UTC")
    if index.unit != "ns":
        index = index.as_unit("ns")
    # One 2-D copy of the five columns, transposed so each row is a contiguous array.
    # (Selecting columns costs more than the whole analysis, so only when needed.)
    selected = frame if tuple(frame.columns) == COLUMNS else frame[list(COLUMNS)]
    block = np.ascontiguousarray(selected.to_numpy(dtype=np.float64).T)
    return Candles(
        open_time_ns=np.ascontiguousarray(index.asi8, dtype=np.int64),
        open=block[0],
        high=block[1],
        low=block[2],
        close=block[3],
        volume=block[4],
    )


def candles_problem(candles: Candles, *, minimum: int) -> str | None:
    """Why these candles cannot be analysed, or None when they can.

    Refused: fewer than ``minimum`` candles; any non-finite or non-positive price;
    negative or non-finite volume; no traded volume at all; flat prices (highest high
    equals lowest low); open times not strictly ascending.
    """
    count = len(candles)
    if count < minimum:
        return f"{count} candles, at least {minimum} needed"
    prices = np.stack((candles.open, candles.high, candles.low, candles.close))
    bad_prices = int(np.count_nonzero(~np.isfinite(prices).all(axis=0)))
    if bad_prices:
        return f"{bad_prices} candles with missing prices"
    if (prices <= 0).any():
        return "non-positive prices"
    if not np.isfinite(candles.volume).all() or (candles.volume < 0).any():
        return "missing or negative volume"
    if not (candles.volume > 0).any():
        return "no traded volume"
    if candles.high.max() == candles.low.min():
        return "flat prices (no price movement)"
    if (candles.high < candles.low).any():
        return "high below low"
    if count > 1 and not (np.diff(candles.open_time_ns) > 0).all():
        return "open times not strictly ascending"
    return None


def candles_read_csv(path: str) -> pd.DataFrame:
    """A kline CSV (``timestamp,open,high,low,close,volume``; ms since epoch; gz allowed) as an engine frame."""
    raw = pd.read_csv(path)
    frame = raw[list(COLUMNS)].astype("float64")
    frame.index = pd.to_datetime(raw["timestamp"].astype("int64"), unit="ms", utc=True)
    frame.index.name = "open_time"
    return frame


def candles_resample(frame: pd.DataFrame, rule: str) -> pd.DataFrame:
    """``frame``'s candles aggregated into UTC-aligned buckets of ``rule`` ("1h", "4h").

    open = first, high = max, low = min, close = last, volume = sum; buckets without
    candles are dropped; the last bucket may be partial, like a forming candle.
    """
    aggregated = frame[list(COLUMNS)].resample(rule, label="left", closed="left").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    )
    return aggregated.dropna(subset=["open"])


def candles_spacing_s(frame: pd.DataFrame) -> float | None:
    """Median seconds between consecutive open times, or None with fewer than two candles."""
    if len(frame.index) < 2:
        return None
    return float(pd.Series(frame.index).diff().median().total_seconds())
