"""Squeeze breakout: trade the bar a TTM squeeze fires, in the direction of its momentum.

The squeeze (Bollinger 20/2.0 inside Keltner 20/1.5) must have been on for at least
``min_squeeze_bars`` (6) bars and be off at the latest bar ("fired", ta/engine/squeeze.py);
momentum (LazyBear) > 0 -> long, < 0 -> short, exactly 0 -> no signal. Strength =
40 + 5 per squeeze bar, capped at 100. Stop: 2 ATR (tradefinder "High volatility").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ta.engine.atr import atr
from ta.engine.bollinger import bollinger
from ta.engine.candles import Candles
from ta.engine.keltner import keltner
from ta.engine.squeeze import squeeze_latest, squeeze_momentum, squeeze_on
from ta.engine.strategies.base import LONG, SHORT, Strategy, StrategySignal

BASE_STRENGTH = 40.0
STRENGTH_PER_BAR = 5.0


@dataclass
class SqueezeBreakoutStrategy(Strategy):
    """Volatility breakout after a compression."""

    name: ClassVar[str] = "squeeze_breakout"
    min_candles: ClassVar[int] = 60
    min_squeeze_bars: int = 6
    stop_atr_multiple: float = 2.0

    @property
    def parameters(self) -> dict[str, Any]:
        return {"bollinger": "20, 2.0", "keltner": "20, 1.5", "min_squeeze_bars": self.min_squeeze_bars,
                "stop_atr_multiple": self.stop_atr_multiple}

    def _signal(self, candles: Candles) -> StrategySignal | None:
        high, low, close = candles.high, candles.low, candles.close
        on = squeeze_on(bollinger_bands=bollinger(close), keltner_channel=keltner(high, low, close))
        state = squeeze_latest(on=on, momentum=squeeze_momentum(high, low, close))
        if state is None or not state.fired or state.bars_in_squeeze < self.min_squeeze_bars or state.momentum == 0:
            return None
        side = LONG if state.momentum > 0 else SHORT
        strength = BASE_STRENGTH + STRENGTH_PER_BAR * state.bars_in_squeeze
        reason = f"squeeze of {state.bars_in_squeeze} bars fired, momentum {state.momentum:+.6g}"
        return self._make(candles, side, strength, reason, float(atr(high, low, close)[-1]))
