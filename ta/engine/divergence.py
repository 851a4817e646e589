"""Regular Stoch RSI divergence over the last 50 candles, with explicit pivot rules.

- Pivots (swings) on price: a pivot high is a bar whose high is strictly above the
  ``PIVOT_LEFT_BARS`` (3) highs before it and not below the ``PIVOT_RIGHT_BARS`` (3)
  highs after it; so of two equal highs the EARLIER one is the pivot. Pivot lows
  mirror this on the lows. A pivot is confirmed once 3 bars follow it.
- Only pivots inside the last ``LOOKBACK_CANDLES`` (50) candles count; the two most
  recent pivot lows (highs) are compared, with the Stoch RSI K at those same bars.
- Regular bullish: the newer pivot low is a lower low in price while K is higher;
  regular bearish: the newer pivot high is a higher high while K is lower.
- K must differ by at least ``MIN_K_DIFFERENCE`` (0.5 Stoch RSI points): when K sits
  pinned at 0 or 100 at both pivots, float noise (2.47e-14 vs 2.72e-14) is not a divergence.
- ``strength``: the K difference between the two pivots in Stoch RSI points (0-100);
  ``candles_ago``: bars from the latest candle back to the newer pivot (>= 3).
- Both at once: the one whose newer pivot is more recent wins, then the stronger;
  an exact tie reports none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ta.engine import kernels

LOOKBACK_CANDLES = 50
PIVOT_LEFT_BARS = 3
PIVOT_RIGHT_BARS = 3
MIN_K_DIFFERENCE = 0.5
BULLISH = "bullish"
BEARISH = "bearish"
NONE = "none"


@dataclass(frozen=True)
class Divergence:
    """``divergence`` bullish|bearish|none, ``strength`` in K points, ``candles_ago`` bars."""

    divergence: str
    strength: float
    candles_ago: int


NO_DIVERGENCE = Divergence(divergence=NONE, strength=0.0, candles_ago=0)


def _compare(pivots: np.ndarray, price: np.ndarray, k: np.ndarray, bullish: bool) -> Divergence | None:
    if pivots.size < 2:
        return None
    older, newer = int(pivots[-2]), int(pivots[-1])
    if not (np.isfinite(k[older]) and np.isfinite(k[newer])):
        return None
    if bullish and price[newer] < price[older] and k[newer] - k[older] >= MIN_K_DIFFERENCE:
        return Divergence(BULLISH, float(k[newer] - k[older]), price.size - 1 - newer)
    if not bullish and price[newer] > price[older] and k[older] - k[newer] >= MIN_K_DIFFERENCE:
        return Divergence(BEARISH, float(k[older] - k[newer]), price.size - 1 - newer)
    return None


def divergence_latest(
    *, high: np.ndarray, low: np.ndarray, stoch_k: np.ndarray, lookback: int = LOOKBACK_CANDLES
) -> Divergence:
    """The regular divergence visible at the latest bar, or ``NO_DIVERGENCE``.

    Needs the K series defined at the pivots (Stoch RSI warm-up: 29 bars); with fewer
    bars than that, or fewer than two pivots in the window, the answer is none.
    """
    first = max(0, high.size - lookback)
    lows = kernels.pivot_indices(low, PIVOT_LEFT_BARS, PIVOT_RIGHT_BARS, first, False)
    highs = kernels.pivot_indices(high, PIVOT_LEFT_BARS, PIVOT_RIGHT_BARS, first, True)
    bullish = _compare(lows, low, stoch_k, True)
    bearish = _compare(highs, high, stoch_k, False)
    if bullish is None or bearish is None:
        return bullish or bearish or NO_DIVERGENCE
    if bullish.candles_ago != bearish.candles_ago:
        return bullish if bullish.candles_ago < bearish.candles_ago else bearish
    if bullish.strength != bearish.strength:
        return bullish if bullish.strength > bearish.strength else bearish
    return NO_DIVERGENCE
