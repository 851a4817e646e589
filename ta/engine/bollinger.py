"""Bollinger Bands (20, 2.0) with population standard deviation, as TA-Lib's BBANDS.

basis = SMA20(close); upper/lower = basis +/- 2.0 * sigma, where sigma divides by n
(TradingView's ``ta.stdev`` is also the population one; pandas-ta's ``bbands`` uses the
sample sigma unless ``ddof=0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ta.engine import kernels

BB_LENGTH = 20
BB_MULTIPLIER = 2.0


@dataclass(frozen=True)
class Bands:
    """Upper, middle and lower series (same length as the input, NaN during warm-up)."""

    upper: np.ndarray
    mid: np.ndarray
    lower: np.ndarray


def bollinger(close: np.ndarray, length: int = BB_LENGTH, multiplier: float = BB_MULTIPLIER) -> Bands:
    """Bollinger Bands of ``close`` in price units; defined from index ``length - 1``, all NaN with fewer closes."""
    mid = kernels.sma(close, length)
    width = multiplier * kernels.rolling_std_population(close, length)
    return Bands(upper=mid + width, mid=mid, lower=mid - width)


def bb_position(*, close: np.ndarray, bands: Bands) -> np.ndarray:
    """Where the close sits in the bands: 0 = lower band, 1 = upper band, 0.5 = basis.

    Not clipped: below the lower band is negative, above the upper band above 1.
    Zero band width (flat prices) gives 0.5. NaN during the bands' warm-up.
    """
    span = bands.upper - bands.lower
    with np.errstate(invalid="ignore", divide="ignore"):
        position = (close - bands.lower) / span
    return np.where(span == 0.0, 0.5, position)


def bb_width(bands: Bands) -> np.ndarray:
    """(upper - lower) / mid, a unitless fraction; NaN during the warm-up (19 bars)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (bands.upper - bands.lower) / bands.mid
