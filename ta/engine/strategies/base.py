"""The strategy interface (tradefinder ``Strategy``): signal from candles, stop-loss for an entry, parameters.

Differences from the seed's sketch, on purpose: ``stop_loss_for`` takes the candles it
measures volatility on (keyword ``data``), so one instance can serve every symbol and
nothing is remembered between calls (the seed's ``get_stop_loss(entry, side)`` would
silently reuse the last symbol's ATR). ``get_stop_loss`` is kept as the seed's name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ta.engine.atr import atr
from ta.engine.candles import Candles, candles_from_frame, candles_problem

LONG = "long"
SHORT = "short"
SIDES = (LONG, SHORT)


@dataclass(frozen=True)
class StrategySignal:
    """An entry signal at the latest candle: side, entry (latest close), stop, strength 0-100, reason."""

    strategy: str
    side: str
    entry_price: float
    stop_loss: float
    strength: float
    reason: str
    candle_time_ns: int


class Strategy(ABC):
    """One trading strategy. Subclasses set ``name``, ``min_candles`` and implement ``_signal``/``parameters``.

    All prices are in the candles' units. Input frames: columns open, high, low, close,
    volume, aware-UTC index, oldest first (``ta.selectors.candles_frame``).
    """

    name: ClassVar[str]
    min_candles: ClassVar[int]
    stop_atr_multiple: float

    def generate_signal(self, data: pd.DataFrame) -> StrategySignal | None:
        """The entry signal at ``data``'s latest candle, or None (no setup, or fewer than
        ``min_candles`` clean candles: bad input never raises)."""
        candles = self._candles(data)
        if candles is None:
            return None
        return self._signal(candles)

    def get_stop_loss(self, entry_price: float, side: str, *, data: pd.DataFrame) -> float:
        """Stop-loss price for an entry: ``stop_atr_multiple`` x ATR 14 of ``data`` beyond the entry on the
        losing side (below for long). ValueError for an unknown side or when ``data`` has no ATR yet."""
        if side not in SIDES:
            raise ValueError(f"side must be long or short, got {side!r}")
        candles = self._candles(data, minimum=15)
        if candles is None:
            raise ValueError("not enough clean candles to measure ATR 14 (15 needed)")
        return self._stop(entry_price, side, float(atr(candles.high, candles.low, candles.close)[-1]))

    @property
    @abstractmethod
    def parameters(self) -> dict[str, Any]:
        """Current parameters for display (name -> value)."""

    @abstractmethod
    def _signal(self, candles: Candles) -> StrategySignal | None: ...

    def _stop(self, entry_price: float, side: str, atr_value: float) -> float:
        distance = self.stop_atr_multiple * atr_value
        return entry_price - distance if side == LONG else entry_price + distance

    def _candles(self, data: pd.DataFrame, minimum: int | None = None) -> Candles | None:
        try:
            candles = candles_from_frame(data)
        except (ValueError, TypeError):
            return None
        if candles_problem(candles, minimum=minimum or self.min_candles) is not None:
            return None
        return candles

    def _make(self, candles: Candles, side: str, strength: float, reason: str, atr_value: float) -> StrategySignal:
        entry = float(candles.close[-1])
        return StrategySignal(
            strategy=self.name,
            side=side,
            entry_price=entry,
            stop_loss=self._stop(entry, side, atr_value),
            strength=float(np.clip(strength, 0.0, 100.0)),
            reason=reason,
            candle_time_ns=int(candles.open_time_ns[-1]),
        )
