"""Keltner Channels (20, 1.5) as in LazyBear's Squeeze Momentum script.

basis = SMA20(close); upper/lower = basis +/- 1.5 * SMA20(true range). The true range
needs a previous close, so the first bar has none and the channel is defined from
index ``length``.
"""

from __future__ import annotations

import numpy as np

from ta.engine import kernels
from ta.engine.bollinger import Bands

KC_LENGTH = 20
KC_MULTIPLIER = 1.5


def keltner(
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    length: int = KC_LENGTH,
    multiplier: float = KC_MULTIPLIER,
) -> Bands:
    """Keltner channel in price units; defined from index ``length`` (NaN before)."""
    mid = kernels.sma(close, length)
    range_average = kernels.sma(kernels.true_range(high, low, close), length)
    return Bands(upper=mid + multiplier * range_average, mid=mid, lower=mid - multiplier * range_average)
