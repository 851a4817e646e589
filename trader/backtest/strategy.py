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
import pandas as pd

from ta.engine.derivatives import PERIOD_NS, derivatives_measures, derivatives_points, derivatives_series_from_frame
from ta.engine.scoring import DERIVATIVES_POINTS, MAX_SCORE
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
    """The platform's scanner (docs/SCORING.md) on 5m steps with 1h context: the live cycle's signal.

    ``derivatives_factors`` (the live ``SCANNER_DERIVATIVES_FACTORS``): each step's base score adds
    the derivatives factors of the 5m rows complete by that step's close, point in time; a step
    without a known, fresh row (before the stored series begins: Binance keeps 30 days) gets none
    of their points, as the live scan would have had no data then.
    """

    name = "scanner"
    timeframes = ("5m", "1h")
    decides_entry = False

    def __init__(self, *, derivatives_factors: bool = False) -> None:
        self.derivatives_factors = derivatives_factors

    @property
    def needs_derivatives(self) -> bool:
        return self.derivatives_factors

    def scores(self, history: SymbolHistory) -> SideScores:
        series = scanner_series(five_minute=history.frames["5m"], one_hour=history.frames["1h"])
        long_score, short_score = series.long_score, series.short_score
        if self.derivatives_factors:
            long_points, short_points = derivatives_step_points(history)
            long_score = np.minimum(long_score + long_points, MAX_SCORE)
            short_score = np.minimum(short_score + short_points, MAX_SCORE)
        return SideScores(long_score, short_score, series.long_bonus, series.short_bonus, series.valid)


def derivatives_step_points(history: SymbolHistory) -> tuple[np.ndarray, np.ndarray]:
    """(long, short) derivatives points of every 5m step of ``history``, judged at the step's close
    on the rows complete by then (zeros where no row is known: no series, or before it begins)."""
    five = history.frames["5m"]
    open_ns = np.ascontiguousarray(pd.DatetimeIndex(five.index).as_unit("ns").asi8, dtype=np.int64)
    frame = history.derivatives if history.derivatives is not None else pd.DataFrame(index=pd.DatetimeIndex([]))
    series = derivatives_series_from_frame(frame, period="5m")
    measures = derivatives_measures(series, candle_open_ns=open_ns, close=five["close"].to_numpy(dtype=float))
    return derivatives_points(measures, at_ns=open_ns + PERIOD_NS["5m"], points=DERIVATIVES_POINTS)
