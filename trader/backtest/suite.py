"""The strategy suite (``ta.engine.strategies``, issue 9) through the backtester.

Each step asks the strategy exactly what the live cycle asks it
(``trader.cycle.signals``): ``generate_signal`` on the last ``STRATEGY_CANDLES`` (300)
5m candles. A signal is a candidate whose score is its strength (0-100); as live, the
strategy decides the entry (no threshold) and the trader's rules do the rest. One call
per step costs ~0.1-0.5 ms, so keep these runs to weeks, not years, until the suite
offers vectorised signals. The strategy's own stop (``stop_loss``) is not used: the
trader's exits apply, as in the live cycle.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from trader.backtest.data import SymbolHistory, step_bounds
from trader.backtest.strategy import SideScores

STRATEGY_CANDLES = 300  # trader.cycle.signals.STRATEGY_CANDLES


class SuiteStrategy:
    """``ta.engine.strategies`` strategy ``name`` on 5m steps; only steps in [start, end) are asked."""

    timeframes = ("5m",)
    decides_entry = True

    def __init__(self, name: str, *, start: datetime | None = None, end: datetime | None = None) -> None:
        from ta.engine.strategies.registry import strategy_get

        self.name = name
        self.strategy = strategy_get(name)  # KeyError naming the known strategies
        self.start, self.end = start, end

    def scores(self, history: SymbolHistory) -> SideScores:
        frame = history.frames["5m"]
        size = len(frame)
        first, stop = step_bounds(frame, start=self.start, end=self.end)
        long_score, short_score = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
        side = np.zeros(size, dtype=np.int8)
        for step in range(max(first, self.strategy.min_candles - 1), stop):
            signal = self.strategy.generate_signal(frame.iloc[max(0, step + 1 - STRATEGY_CANDLES): step + 1])
            if signal is None:
                continue
            if signal.side == "long":
                side[step], long_score[step] = 1, round(signal.strength)
            else:
                side[step], short_score[step] = -1, round(signal.strength)
        zeros = np.zeros(size, dtype=np.int64)
        return SideScores(long_score, short_score, zeros, zeros, side != 0, signal_side=side)
