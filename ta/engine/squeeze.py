"""TTM Squeeze: Bollinger (20, 2.0) inside Keltner (20, 1.5), with LazyBear's momentum.

- Squeeze on at a bar iff lower BB > lower KC and upper BB < upper KC (strict; both
  bands must be defined).
- Momentum (LazyBear, "Squeeze Momentum Indicator"): ``linreg(close - avg(avg(highest
  high 20, lowest low 20), SMA20 close), 20, 0)``, in price units; positive = bullish.
  (LazyBear's script computes the BB with the KC multiplier 1.5; we use the stated
  BB 2.0. pandas-ta's ``squeeze`` default momentum is a different formula.)
- ``bars_in_squeeze`` counts consecutive squeeze-on bars ending at the latest bar.
- "Fired" means the squeeze was on at the previous bar and is off at the latest one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ta.engine import kernels
from ta.engine.bollinger import Bands

MOMENTUM_LENGTH = 20
BULLISH = "bullish"
BEARISH = "bearish"


def squeeze_on(*, bollinger_bands: Bands, keltner_channel: Bands) -> np.ndarray:
    """Boolean per bar: both Bollinger bands strictly inside the Keltner channel (False in warm-up)."""
    with np.errstate(invalid="ignore"):
        return (bollinger_bands.lower > keltner_channel.lower) & (bollinger_bands.upper < keltner_channel.upper)


def squeeze_momentum(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, length: int = MOMENTUM_LENGTH
) -> np.ndarray:
    """LazyBear's momentum in price units; defined from index ``2 * length - 2`` (38 by default)."""
    midline = (
        (kernels.rolling_max(high, length) + kernels.rolling_min(low, length)) / 2.0 + kernels.sma(close, length)
    ) / 2.0
    return kernels.rolling_linreg_end(close - midline, length)


@dataclass(frozen=True)
class SqueezeState:
    """The squeeze at the latest bar.

    ``bars_in_squeeze``: consecutive squeeze-on bars up to the latest bar; when the
    squeeze has just fired, the length of the squeeze that just ended (so a consumer of
    the seed JSON reads "off with bars_in_squeeze > 0" as "just fired"); otherwise 0.
    ``direction``: ``bullish`` when momentum >= 0, else ``bearish``.
    """

    squeeze: bool
    fired: bool
    momentum: float
    direction: str
    bars_in_squeeze: int


def squeeze_latest(*, on: np.ndarray, momentum: np.ndarray) -> SqueezeState | None:
    """The squeeze state at the last bar, or None while the momentum is still warming up."""
    if on.size < 2 or not np.isfinite(momentum[-1]):
        return None
    runs = kernels.consecutive_true_count(on)
    is_on = bool(on[-1])
    fired = (not is_on) and bool(on[-2])
    bars = int(runs[-1]) if is_on else (int(runs[-2]) if fired else 0)
    value = float(momentum[-1])
    return SqueezeState(
        squeeze=is_on,
        fired=fired,
        momentum=value,
        direction=BULLISH if value >= 0 else BEARISH,
        bars_in_squeeze=bars,
    )
