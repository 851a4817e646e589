"""Every symbol's step candles and scores on one clock (the union of their open times)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from trader.backtest.data import SymbolHistory, step_bounds
from trader.backtest.settings import BacktestSettings
from trader.backtest.strategy import SideScores


@dataclass
class Grid:
    """Every symbol's step candles on the union of their open times (NaN where a symbol has none)."""

    times_ns: np.ndarray
    symbols: list[str]
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    long_score: np.ndarray
    short_score: np.ndarray
    long_bonus: np.ndarray
    short_bonus: np.ndarray
    valid: np.ndarray
    signal_side: np.ndarray


def grid_build(histories: list[SymbolHistory], scores: list[SideScores], timeframe: str,
               start: datetime | None, end: datetime | None) -> Grid:
    """The grid of ``histories`` from ``start`` to ``end`` (open times; None = all)."""
    ranges = []
    for history in histories:
        frame = history.frames[timeframe]
        first, stop = step_bounds(frame, start=start, end=end)
        ranges.append((frame.index.as_unit("ns").asi8, frame, first, stop))
    segments = [times_ns[first:stop] for times_ns, _frame, first, stop in ranges]
    if len(segments) == 1 and np.all(segments[0][1:] > segments[0][:-1]):
        times = segments[0]  # one symbol, already sorted and unique: no sort needed
    else:
        times = np.unique(np.concatenate(segments))
    shape = (times.size, len(histories))
    arrays = {name: np.full(shape, np.nan) for name in ("open", "high", "low", "close")}
    ints = {name: np.zeros(shape, dtype=np.int64) for name in ("long_score", "short_score", "long_bonus",
                                                                "short_bonus")}
    valid = np.zeros(shape, dtype=bool)
    signal_side = np.zeros(shape, dtype=np.int8)
    for column, ((times_ns, frame, first, stop), score) in enumerate(zip(ranges, scores, strict=True)):
        segment = times_ns[first:stop]
        if segment.size == times.size and np.array_equal(segment, times):
            rows = slice(None)  # the symbol has a candle at every step: a plain column write
        else:
            rows = np.searchsorted(times, segment)
        for name in arrays:
            arrays[name][rows, column] = frame[name].to_numpy(dtype=np.float64)[first:stop]
        for name in ints:
            ints[name][rows, column] = getattr(score, name)[first:stop]
        valid[rows, column] = score.valid[first:stop]
        if score.signal_side is not None:
            signal_side[rows, column] = score.signal_side[first:stop]
    return Grid(times, [h.symbol for h in histories], valid=valid, signal_side=signal_side, **arrays, **ints)


def passing_steps(grid: Grid, settings: BacktestSettings, *, decides_entry: bool = False) -> np.ndarray:
    """Steps x symbols where the best side's counted score reaches its threshold (what ``entry_plan``'s
    score rule would pass), or where a self-deciding strategy signals; only these reach ``entry_plan``."""
    if decides_entry:
        return grid.valid & (grid.signal_side != 0)
    entry = settings.entry
    cap = entry.ta_bonus_cap if entry.use_ta_signals else 0
    long_counted = grid.long_score + np.minimum(grid.long_bonus, cap)
    short_counted = grid.short_score + np.minimum(grid.short_bonus, cap)
    return grid.valid & ((long_counted >= entry.long_threshold) | (short_counted >= entry.short_threshold))
