"""Stochastic RSI (14, 14, 3, 3) in TradingView's convention ("Stoch RSI" built-in).

raw = 100 * (RSI - lowest RSI 14) / (highest RSI 14 - lowest RSI 14);
K = SMA3(raw); D = SMA3(K). TA-Lib's ``STOCHRSI(14, fastk_period=14, fastd_period=3)``
``fastd`` equals this K.
"""

from __future__ import annotations

import numpy as np

from ta.engine import kernels
from ta.engine.rsi import rsi

STOCH_RSI_LENGTH = 14
STOCH_LENGTH = 14
K_SMOOTHING = 3
D_SMOOTHING = 3
# First index where D is defined: RSI from 14, raw from 27, K from 29, D from 31.
STOCH_RSI_WARMUP = STOCH_RSI_LENGTH + STOCH_LENGTH - 1 + K_SMOOTHING - 1 + D_SMOOTHING - 1 + 1


def stoch_rsi(
    close: np.ndarray,
    *,
    rsi_length: int = STOCH_RSI_LENGTH,
    stoch_length: int = STOCH_LENGTH,
    k_smoothing: int = K_SMOOTHING,
    d_smoothing: int = D_SMOOTHING,
) -> tuple[np.ndarray, np.ndarray]:
    """(K, D) on 0-100 for ``close``.

    Warm-up with the defaults: K defined from index 29, D from index 31; NaN before.
    A flat RSI window (highest == lowest) gives a raw stochastic of 50.
    """
    raw = kernels.stochastic_of(rsi(close, rsi_length), stoch_length)
    k = kernels.sma(raw, k_smoothing)
    d = kernels.sma(k, d_smoothing)
    return k, d
