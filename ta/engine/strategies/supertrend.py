"""Supertrend (10, 3.0) trend following, as TradingView's ``ta.supertrend`` (ATR by Wilder's RMA).

basic upper/lower = hl2 +/- multiplier x ATR; the final bands ratchet (the lower band
only rises while the previous close stays above it, the upper only falls); the trend
turns up when the close ends above the bar's final upper band and down when it ends
below the bar's final lower band (Pine's ``ta.supertrend``). Signal: long on the bar the trend turns up,
short on the bar it turns down; strength = ADX 14 (capped at 100). Stop: 3 ATR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ta.engine.atr import adx, atr
from ta.engine.candles import Candles
from ta.engine.strategies.base import LONG, SHORT, Strategy, StrategySignal


def supertrend_direction(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, *, length: int = 10, multiplier: float = 3.0
) -> np.ndarray:
    """Per bar +1 (up trend), -1 (down trend), 0 during the ATR warm-up (the first ``length`` bars)."""
    atr_values = atr(high, low, close, length)
    hl2 = (high + low) / 2.0
    direction = np.zeros(close.size, dtype=np.int64)
    upper = lower = np.nan
    trend = 1
    for index in range(close.size):
        if not np.isfinite(atr_values[index]):
            continue
        basic_upper = hl2[index] + multiplier * atr_values[index]
        basic_lower = hl2[index] - multiplier * atr_values[index]
        previous_close = close[index - 1]
        if np.isnan(upper):
            upper, lower = basic_upper, basic_lower
        else:
            new_upper = basic_upper if basic_upper < upper or previous_close > upper else upper
            new_lower = basic_lower if basic_lower > lower or previous_close < lower else lower
            upper, lower = new_upper, new_lower
            if trend == -1 and close[index] > upper:
                trend = 1
            elif trend == 1 and close[index] < lower:
                trend = -1
        direction[index] = trend
    return direction


@dataclass
class SupertrendStrategy(Strategy):
    """Trend-following: enter on a Supertrend flip (tradefinder "Trending")."""

    name: ClassVar[str] = "supertrend"
    min_candles: ClassVar[int] = 40
    length: int = 10
    multiplier: float = 3.0
    stop_atr_multiple: float = 3.0

    @property
    def parameters(self) -> dict[str, Any]:
        return {"length": self.length, "multiplier": self.multiplier, "stop_atr_multiple": self.stop_atr_multiple}

    def _signal(self, candles: Candles) -> StrategySignal | None:
        high, low, close = candles.high, candles.low, candles.close
        direction = supertrend_direction(high, low, close, length=self.length, multiplier=self.multiplier)
        if direction[-2] == 0 or direction[-1] == direction[-2]:
            return None
        side = LONG if direction[-1] == 1 else SHORT
        strength = float(adx(high, low, close).adx[-1])
        atr_value = float(atr(high, low, close)[-1])
        return self._make(candles, side, strength if np.isfinite(strength) else 0.0,
                          f"Supertrend({self.length}, {self.multiplier:g}) turned {'up' if side == LONG else 'down'}",
                          atr_value)
