"""Skip the steps where provably nothing happens, vectorised (the backtest's speed).

A step is *quiet* when, for every open position, the candle touches neither protective
order, the close is strictly inside the band where ``exit_decide`` holds, and (with a
trailing stop) the close is not a new best; the equity does not reach the kill switch;
and no candidate can be entered (none passes its threshold, or all position slots are
taken). On a quiet step the per-step loop would only record the equity, so the loop
records a whole quiet stretch at once and resumes at the first step that is not quiet.
The test suite runs every scenario both ways (``skip_quiet`` on and off) to prove it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trader.backtest.grid import Grid

FIRST_CHUNK_STEPS = 256
LARGEST_CHUNK_STEPS = 16_384


@dataclass(frozen=True)
class OpenLevels:
    """What decides whether one open position acts on a step (floats from the trade's cache)."""

    column: int
    long: bool
    stop: float
    take: float
    hold_low: float
    hold_high: float
    best: float | None
    trailing: bool
    entry: float
    signed_amount: float


def _events(grid: Grid, first: int, stop: int, position: OpenLevels) -> np.ndarray:
    """Steps of [first, stop) on which ``position`` may act (see the module docstring)."""
    column = position.column
    high, low, close = grid.high[first:stop, column], grid.low[first:stop, column], grid.close[first:stop, column]
    with np.errstate(invalid="ignore"):
        if position.long:
            touched = (low <= position.stop) | (high >= position.take)
        else:
            touched = (high >= position.stop) | (low <= position.take)
        inside = (position.hold_low < close) & (close < position.hold_high)
        known = ~np.isnan(close)
        acts = touched | (known & ~inside)
        if position.trailing:
            if position.best is None:
                acts = acts | known
            else:
                acts = acts | (known & ((close > position.best) if position.long else (close < position.best)))
    return acts


def quiet_until(*, grid: Grid, first: int, limit: int, positions: list[OpenLevels], wallet: float,
                reference: float, peak_mode: bool, kill_switch_pct: float | None, equity_out: np.ndarray) -> int:
    """The first step in [first, limit) that is not quiet (``limit`` when all are); the equity of the quiet
    steps before it is written into ``equity_out`` (same formula as the per-step loop). The kill switch
    measures from ``reference`` (the starting balance, or with ``peak_mode`` the equity peak so far,
    raised by each step's equity as the live cycle does)."""
    chunk = FIRST_CHUNK_STEPS
    start = first
    while start < limit:
        stop = min(limit, start + chunk)
        equity = np.full(stop - start, wallet)
        acts = np.zeros(stop - start, dtype=bool)
        for position in positions:
            close = grid.close[start:stop, position.column]
            equity += np.where(np.isnan(close), 0.0, (close - position.entry) * position.signed_amount)
            acts |= _events(grid, start, stop, position)
        if kill_switch_pct is not None:
            references = np.maximum(reference, np.maximum.accumulate(equity)) if peak_mode else reference
            acts |= (references - equity) / references * 100 >= kill_switch_pct
        if acts.any():
            event = int(np.argmax(acts))
            equity_out[start:start + event] = equity[:event]
            return start + event
        equity_out[start:stop] = equity
        if peak_mode:
            reference = max(reference, float(equity.max()))
        start = stop
        chunk = min(chunk * 2, LARGEST_CHUNK_STEPS)
    return limit
