"""Skip the steps where provably nothing happens, in one compiled pass (the backtest's speed).

A step is *quiet* when, for every open position, the candle touches neither protective
order, the close is strictly inside the band where ``exit_decide`` holds, and (with a
trailing stop) the close is not a new best; the equity does not reach the kill switch;
and no candidate can be entered (none passes its threshold, or all position slots are
taken). On a quiet step the per-step loop would only record the equity, so the loop
records a whole quiet stretch at once and resumes at the first step that is not quiet.
The test suite runs every scenario both ways (``skip_quiet`` on and off) to prove it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from trader.backtest.grid import Grid

# The levels array: one row per open position, these columns (floats; ``LONG`` 1.0 or 0.0, ``BEST`` NaN
# while no best price is tracked), taken from the trade's cached levels and the position.
COLUMN, LONG, STOP, TAKE, HOLD_LOW, HOLD_HIGH, BEST, ENTRY, SIGNED_AMOUNT = range(9)
LEVEL_COLUMNS = 9


@njit(cache=True)
def _quiet_scan(high: np.ndarray, low: np.ndarray, close: np.ndarray, first: int, limit: int, levels: np.ndarray,
                trailing: bool, wallet: float, reference: float, peak_mode: bool, check_kill_switch: bool,
                kill_switch_pct: float, equity_out: np.ndarray) -> int:
    """The step loop of ``quiet_until``, compiled: the first step that is not quiet; the equity of the quiet
    steps before it goes into ``equity_out``. The equity is summed in the per-step loop's order (wallet,
    then each position's unrealised PnL), so the floats are bit-identical to it."""
    for step in range(first, limit):
        equity = wallet
        acts = False
        for row in range(levels.shape[0]):
            column = int(levels[row, COLUMN])
            long = levels[row, LONG] != 0.0
            high_now, low_now, close_now = high[step, column], low[step, column], close[step, column]
            known = not np.isnan(close_now)
            if known:
                equity += (close_now - levels[row, ENTRY]) * levels[row, SIGNED_AMOUNT]
            else:
                equity += 0.0  # a symbol without a candle adds nothing (as np.where(..., 0.0, ...) did)
            if long:
                touched = low_now <= levels[row, STOP] or high_now >= levels[row, TAKE]
            else:
                touched = high_now >= levels[row, STOP] or low_now <= levels[row, TAKE]
            if touched or (known and not (levels[row, HOLD_LOW] < close_now < levels[row, HOLD_HIGH])):
                acts = True
            if trailing and known:
                best = levels[row, BEST]
                if np.isnan(best) or (close_now > best if long else close_now < best):
                    acts = True
        if check_kill_switch:
            if peak_mode:
                reference = max(reference, equity)
            if (reference - equity) / reference * 100 >= kill_switch_pct:
                acts = True
        if acts:
            return step
        equity_out[step] = equity
    return limit


def quiet_until(*, grid: Grid, first: int, limit: int, levels: np.ndarray, trailing: bool, wallet: float,
                reference: float, peak_mode: bool, kill_switch_pct: float | None, equity_out: np.ndarray) -> int:
    """The first step in [first, limit) that is not quiet (``limit`` when all are) for the open positions
    of ``levels`` (see ``LEVEL_COLUMNS``; ``trailing``: the run's trailing stop is on); the equity of the
    quiet steps before it is written into ``equity_out`` (same formula as the per-step loop). The kill
    switch measures from ``reference`` (the starting balance, or with ``peak_mode`` the equity peak so
    far, raised by each step's equity as the live cycle does).

    A compiled loop that stops at the first event: a trade lasts tens of steps, so scanning whole
    vectorised chunks cost more in per-call overhead than it saved."""
    return int(_quiet_scan(grid.high, grid.low, grid.close, first, limit, levels, trailing, wallet, reference,
                           peak_mode, kill_switch_pct is not None,
                           0.0 if kill_switch_pct is None else kill_switch_pct, equity_out))
