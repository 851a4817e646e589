"""VWAP with a daily reset at 00:00 UTC (TradingView's ``ta.vwap`` with the "Session" anchor on a 24/7 market).

VWAP = sum(typical price * volume) / sum(volume) since the start of the bar's UTC day,
typical price = (high + low + close) / 3.
"""

from __future__ import annotations

import numpy as np

from ta.engine import kernels

NS_PER_DAY = 86_400 * 1_000_000_000


def utc_day_numbers(open_time_ns: np.ndarray) -> np.ndarray:
    """UTC day number of each bar from its open time in nanoseconds since the epoch."""
    return open_time_ns // NS_PER_DAY


def vwap(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, open_time_ns: np.ndarray
) -> np.ndarray:
    """Daily VWAP in price units, defined from the first bar.

    A day's bars before any volume has traded take the bar's typical price (there is
    no volume to weight by), so the series never holds NaN for finite input.
    """
    return kernels.session_vwap(high, low, close, volume, utc_day_numbers(open_time_ns))


def vwap_deviation_pct(*, close: float, vwap_value: float) -> float:
    """(close - VWAP) / VWAP in percent: positive = price above VWAP."""
    return (close - vwap_value) / vwap_value * 100.0
