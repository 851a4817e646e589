"""RSI 14 with Wilder's smoothing, as TA-Lib's RSI and TradingView's ``ta.rsi``.

Average gain and loss are seeded with the SMA of the first ``length`` changes, then
smoothed with ``avg = (avg * (length - 1) + x) / length``. (pandas-ta's own ``rsi``
seeds its smoothing with the first value instead, so its early values differ.)
"""

from __future__ import annotations

import numpy as np

from ta.engine import kernels

RSI_LENGTH = 14


def rsi(close: np.ndarray, length: int = RSI_LENGTH) -> np.ndarray:
    """RSI of ``close`` on 0-100.

    Warm-up: defined from index ``length`` (it needs ``length`` price changes); NaN
    before, all NaN with ``length`` or fewer closes. Where average gain and average
    loss are both zero (no price change at all) the value is 50 (TA-Lib returns 0).
    """
    return kernels.wilder_rsi(close, length)
