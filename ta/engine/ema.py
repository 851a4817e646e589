"""Exponential moving averages and the EMA ribbon (8/13/21/34/55/89).

EMA as in TA-Lib's EMA and TradingView's ``ta.ema``: ``alpha = 2 / (length + 1)``,
seeded with the SMA of the first ``length`` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from ta.engine import kernels

RIBBON_LENGTHS = (8, 13, 21, 34, 55, 89)
# Spread = |EMA8 - EMA89| in ATR(14) units, mapped linearly: 0 ATR -> 0, this many ATR or more -> 100.
RIBBON_SPREAD_FULL_SCALE_ATR = 5.0
BULLISH = "bullish"
BEARISH = "bearish"
MIXED = "mixed"


def ema(values: np.ndarray, length: int) -> np.ndarray:
    """EMA of ``values`` (float64) over ``length`` bars, in the input's unit.

    Warm-up: defined from index ``length - 1`` (after leading NaNs); NaN before, and
    all NaN when there are fewer than ``length`` values.
    """
    return kernels.smoothed_sma_seeded(values, length, 2.0 / (length + 1))


@dataclass(frozen=True)
class RibbonState:
    """The ribbon at the latest bar: ``state``, ``spread`` 0-100 and the six EMA values (fast first)."""

    state: str
    spread: float
    values: tuple[float, ...]


def ribbon_emas(close: np.ndarray) -> list[np.ndarray]:
    """The six ribbon EMAs of ``close``, fastest (8) first; warm-up 89 bars for the slowest."""
    return [ema(close, length) for length in RIBBON_LENGTHS]


def ribbon_state(values: tuple[float, ...] | list[float]) -> str:
    """``bullish`` iff EMA8 > 13 > 21 > 34 > 55 > 89 strictly, ``bearish`` iff strictly reversed, else ``mixed``."""
    pairs = list(pairwise(values))
    if all(faster > slower for faster, slower in pairs):
        return BULLISH
    if all(faster < slower for faster, slower in pairs):
        return BEARISH
    return MIXED


def ribbon_spread(*, fastest: float, slowest: float, atr: float) -> float:
    """Ribbon width 0-100, comparable across coins and timeframes.

    ``|EMA8 - EMA89| / ATR14`` (how many average bar ranges apart the fastest and
    slowest EMAs are), times ``100 / RIBBON_SPREAD_FULL_SCALE_ATR``, clipped to 0-100.
    A zero or undefined ATR (flat prices) gives 0.
    """
    if not atr > 0 or not np.isfinite(atr):
        return 0.0
    distance_atr = abs(fastest - slowest) / atr
    return float(min(100.0, max(0.0, distance_atr * 100.0 / RIBBON_SPREAD_FULL_SCALE_ATR)))


def ribbon_latest(*, emas: list[np.ndarray], atr: np.ndarray) -> RibbonState | None:
    """The ribbon at the last bar, or None when the slowest EMA or the ATR is not defined yet."""
    values = tuple(float(series[-1]) for series in emas)
    if not all(np.isfinite(values)) or not np.isfinite(atr[-1]):
        return None
    return RibbonState(
        state=ribbon_state(values),
        spread=ribbon_spread(fastest=values[0], slowest=values[-1], atr=float(atr[-1])),
        values=values,
    )
