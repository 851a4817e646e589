"""Mean reversion for ranges: fade a close outside the Bollinger Bands when RSI agrees.

Long when the latest close is below the lower band (20, 2.0) and RSI 14 <= 30; short
when it is above the upper band and RSI >= 70. Strength = how far RSI is past its
threshold x 2 + 50, capped at 100. Stop: 1.5 ATR (tradefinder "Ranging").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ta.engine.atr import atr
from ta.engine.bollinger import bollinger
from ta.engine.candles import Candles
from ta.engine.rsi import rsi
from ta.engine.strategies.base import LONG, SHORT, Strategy, StrategySignal


@dataclass
class MeanReversionStrategy(Strategy):
    """Buy below the lower band when oversold, sell above the upper band when overbought."""

    name: ClassVar[str] = "mean_reversion"
    min_candles: ClassVar[int] = 30
    rsi_oversold: float = 30.0
    rsi_overbought: float = 70.0
    stop_atr_multiple: float = 1.5

    @property
    def parameters(self) -> dict[str, Any]:
        return {"bollinger": "20, 2.0", "rsi_oversold": self.rsi_oversold, "rsi_overbought": self.rsi_overbought,
                "stop_atr_multiple": self.stop_atr_multiple}

    def _signal(self, candles: Candles) -> StrategySignal | None:
        high, low, close = candles.high, candles.low, candles.close
        bands = bollinger(close)
        rsi_value = float(rsi(close)[-1])
        latest = float(close[-1])
        if latest < bands.lower[-1] and rsi_value <= self.rsi_oversold:
            side, excess = LONG, self.rsi_oversold - rsi_value
        elif latest > bands.upper[-1] and rsi_value >= self.rsi_overbought:
            side, excess = SHORT, rsi_value - self.rsi_overbought
        else:
            return None
        reason = f"close outside the {'lower' if side == LONG else 'upper'} band, RSI {rsi_value:.1f}"
        return self._make(candles, side, 50.0 + 2.0 * excess, reason, float(atr(high, low, close)[-1]))
