"""The small interface a strategy implements to run through the backtester.

A strategy turns one symbol's candles into per-step side scores; the portfolio loop
then applies the live entry rules (``trader.cycle.rules.entry_plan``: thresholds, max
positions, leverage, sizing) and exits (``trader.cycle.exits``) to them, so a strategy
cannot bypass a rule. Scores are integers like the scanner's (0-80 base, bonus apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from trader.backtest.data import SymbolHistory
from trader.backtest.scanner_series import scanner_series


@dataclass(frozen=True)
class SideScores:
    """Per step (aligned with the history's step candles): base scores, TA bonus, and
    ``valid`` (False where the strategy has no opinion, e.g. warm-up)."""

    long_score: np.ndarray
    short_score: np.ndarray
    long_bonus: np.ndarray
    short_bonus: np.ndarray
    valid: np.ndarray
    signal_side: np.ndarray | None = None


class BacktestStrategy(Protocol):
    """``name`` for reports; ``timeframes`` the candles it needs (the first is the step);
    ``scores`` the side scores of every step of one symbol.

    ``decides_entry`` False: the scores go through the trader's thresholds like the scanner's.
    True (the ta.engine.strategies suite): the strategy signals itself, as in the live cycle
    (``entry_plan`` skips the threshold for a non-scanner candidate); ``signal_side`` is then
    +1 (long) / -1 (short) / 0 per step and the side's score is the signal's strength."""

    name: str
    timeframes: tuple[str, ...]
    decides_entry: bool

    def scores(self, history: SymbolHistory) -> SideScores: ...


class ScannerStrategy:
    """The platform's scanner (docs/SCORING.md) on 5m steps with 1h context: the live cycle's signal."""

    name = "scanner"
    timeframes = ("5m", "1h")
    decides_entry = False

    def scores(self, history: SymbolHistory) -> SideScores:
        series = scanner_series(five_minute=history.frames["5m"], one_hour=history.frames["1h"])
        return SideScores(series.long_score, series.short_score, series.long_bonus, series.short_bonus,
                          series.valid)
