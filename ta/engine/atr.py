"""ATR 14 and ADX 14 with +DI/-DI, Wilder's definitions as TA-Lib computes them.

ATR: true range smoothed with Wilder's RMA seeded by the SMA of the first 14 true
ranges (TA-Lib ATR, TradingView ``ta.atr``). ADX/+DI/-DI: TA-Lib ADX, PLUS_DI,
MINUS_DI (Wilder's sums of DM and TR); +DI/-DI are percentages, not smoothed DM
(pandas-ta's ``adx`` returns smoothed DM in those columns when TA-Lib is installed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ta.engine import kernels

ATR_LENGTH = 14
ADX_LENGTH = 14


def atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, length: int = ATR_LENGTH) -> np.ndarray:
    """Average true range in price units; defined from index ``length`` (NaN before)."""
    return kernels.smoothed_sma_seeded(kernels.true_range(high, low, close), length, 1.0 / length)


@dataclass(frozen=True)
class Directional:
    """ADX, +DI and -DI on 0-100."""

    adx: np.ndarray
    plus_di: np.ndarray
    minus_di: np.ndarray


def adx(high: np.ndarray, low: np.ndarray, close: np.ndarray, length: int = ADX_LENGTH) -> Directional:
    """ADX (defined from index ``2 * length - 1``) and +DI/-DI (from index ``length``)."""
    plus_di, minus_di, adx_values = kernels.directional_movement(high, low, close, length)
    return Directional(adx=adx_values, plus_di=plus_di, minus_di=minus_di)
