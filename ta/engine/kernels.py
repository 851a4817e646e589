"""Compiled loops behind every indicator: windows and recursive smoothings over float64 arrays.

Why one module: numba's on-disk cache is invalidated per source file, so a jitted
function that called a jitted helper in another file would keep running stale machine
code after that helper changed. Keeping every compiled loop in this one file makes an
edit here recompile everything that depends on it. The definitions (which TA-Lib or
TradingView formula each indicator follows) live in the concept modules (``ema.py``,
``rsi.py`` ...), which call these kernels.

numba is pandas-ta's own pinned JIT dependency (pandas-ta compiles its loops with it);
nothing here imports TA-Lib, so results never depend on whether TA-Lib is installed.

Conventions for every kernel: inputs are 1-D float64 arrays; outputs have the same
length with NaN where the value is not defined yet (warm-up). Leading NaNs of an input
are skipped (a series derived from another starts where its input starts); NaNs after
the first valid value are not expected (the analysis refuses such candles up front).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def first_valid_index(values: np.ndarray) -> int:
    """Index of the first non-NaN value, or ``len(values)`` when there is none."""
    for index in range(values.size):
        if not np.isnan(values[index]):
            return index
    return values.size


@njit(cache=True)
def sma(values: np.ndarray, length: int) -> np.ndarray:
    """Simple moving average over ``length`` values (running sum, like TA-Lib's SMA)."""
    out = np.full(values.size, np.nan)
    start = first_valid_index(values)
    if values.size - start < length:
        return out
    total = 0.0
    for index in range(start, start + length):
        total += values[index]
    out[start + length - 1] = total / length
    for index in range(start + length, values.size):
        total += values[index] - values[index - length]
        out[index] = total / length
    return out


@njit(cache=True)
def smoothed_sma_seeded(values: np.ndarray, length: int, alpha: float) -> np.ndarray:
    """``y = y_prev + alpha * (x - y_prev)`` seeded with the SMA of the first ``length`` values.

    ``alpha = 2 / (length + 1)`` is the EMA, ``alpha = 1 / length`` Wilder's smoothing (RMA).
    """
    out = np.full(values.size, np.nan)
    start = first_valid_index(values)
    if values.size - start < length:
        return out
    total = 0.0
    for index in range(start, start + length):
        total += values[index]
    previous = total / length
    out[start + length - 1] = previous
    for index in range(start + length, values.size):
        previous = previous + alpha * (values[index] - previous)
        out[index] = previous
    return out


@njit(cache=True)
def rolling_std_population(values: np.ndarray, length: int) -> np.ndarray:
    """Population standard deviation (divide by ``length``) of each window, two-pass per window.

    Two passes (mean, then squared deviations) avoid the cancellation of the
    sum-of-squares formula on large prices with small moves.
    """
    out = np.full(values.size, np.nan)
    start = first_valid_index(values)
    for end in range(start + length - 1, values.size):
        mean = 0.0
        for index in range(end - length + 1, end + 1):
            mean += values[index]
        mean /= length
        squares = 0.0
        for index in range(end - length + 1, end + 1):
            deviation = values[index] - mean
            squares += deviation * deviation
        out[end] = np.sqrt(squares / length)
    return out


@njit(cache=True)
def rolling_max(values: np.ndarray, length: int) -> np.ndarray:
    """Highest value of each window of ``length`` values ending at the index."""
    out = np.full(values.size, np.nan)
    start = first_valid_index(values)
    for end in range(start + length - 1, values.size):
        highest = values[end]
        for index in range(end - length + 1, end):
            if values[index] > highest:
                highest = values[index]
        out[end] = highest
    return out


@njit(cache=True)
def rolling_min(values: np.ndarray, length: int) -> np.ndarray:
    """Lowest value of each window of ``length`` values ending at the index."""
    out = np.full(values.size, np.nan)
    start = first_valid_index(values)
    for end in range(start + length - 1, values.size):
        lowest = values[end]
        for index in range(end - length + 1, end):
            if values[index] < lowest:
                lowest = values[index]
        out[end] = lowest
    return out


@njit(cache=True)
def rolling_linreg_end(values: np.ndarray, length: int) -> np.ndarray:
    """Least-squares line through each window (x = 0..length-1), evaluated at its last point.

    Pine's ``linreg(source, length, 0)`` and TA-Lib's LINEARREG.
    """
    out = np.full(values.size, np.nan)
    start = first_valid_index(values)
    mean_x = (length - 1) / 2.0
    sum_xx = 0.0
    for x in range(length):
        sum_xx += (x - mean_x) * (x - mean_x)
    for end in range(start + length - 1, values.size):
        first = end - length + 1
        mean_y = 0.0
        for index in range(first, end + 1):
            mean_y += values[index]
        mean_y /= length
        sum_xy = 0.0
        for x in range(length):
            sum_xy += (x - mean_x) * (values[first + x] - mean_y)
        slope = sum_xy / sum_xx
        out[end] = mean_y + slope * (length - 1 - mean_x)
    return out


@njit(cache=True)
def true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """max(high - low, |high - previous close|, |low - previous close|); NaN on the first bar."""
    out = np.full(close.size, np.nan)
    for index in range(1, close.size):
        previous_close = close[index - 1]
        value = high[index] - low[index]
        up = abs(high[index] - previous_close)
        down = abs(low[index] - previous_close)
        if up > value:
            value = up
        if down > value:
            value = down
        out[index] = value
    return out


@njit(cache=True)
def wilder_rsi(close: np.ndarray, length: int) -> np.ndarray:
    """RSI with Wilder's smoothing seeded by the SMA of the first ``length`` gains/losses.

    Defined from index ``length``. When average gain and loss are both zero (no price
    change over the whole smoothing memory) the RSI is 50, neutral.
    """
    out = np.full(close.size, np.nan)
    if close.size <= length:
        return out
    gain_total = 0.0
    loss_total = 0.0
    for index in range(1, length + 1):
        change = close[index] - close[index - 1]
        if change > 0:
            gain_total += change
        else:
            loss_total -= change
    average_gain = gain_total / length
    average_loss = loss_total / length
    for index in range(length, close.size):
        if index > length:
            change = close[index] - close[index - 1]
            gain = change if change > 0 else 0.0
            loss = -change if change < 0 else 0.0
            average_gain = (average_gain * (length - 1) + gain) / length
            average_loss = (average_loss * (length - 1) + loss) / length
        total = average_gain + average_loss
        out[index] = 50.0 if total == 0.0 else 100.0 * average_gain / total
    return out


@njit(cache=True)
def stochastic_of(values: np.ndarray, length: int) -> np.ndarray:
    """100 * (x - lowest) / (highest - lowest) over ``length`` values; 50 when the window is flat."""
    out = np.full(values.size, np.nan)
    start = first_valid_index(values)
    for end in range(start + length - 1, values.size):
        highest = values[end]
        lowest = values[end]
        for index in range(end - length + 1, end):
            if values[index] > highest:
                highest = values[index]
            if values[index] < lowest:
                lowest = values[index]
        span = highest - lowest
        out[end] = 50.0 if span == 0.0 else 100.0 * (values[end] - lowest) / span
    return out


@njit(cache=True)
def directional_movement(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wilder's +DI, -DI and ADX exactly as TA-Lib's PLUS_DI, MINUS_DI and ADX compute them.

    DM and TR are summed over the first ``length - 1`` moves, then Wilder-smoothed
    (``s = s - s / length + x``); the DIs are defined from index ``length``, the ADX
    (SMA of the first ``length`` DX, then Wilder) from index ``2 * length - 1``.
    A zero smoothed TR gives DIs of 0; a zero DI sum gives a DX of 0.
    """
    size = close.size
    plus_di = np.full(size, np.nan)
    minus_di = np.full(size, np.nan)
    adx = np.full(size, np.nan)
    if size <= length:
        return plus_di, minus_di, adx
    plus_dm_sum = 0.0
    minus_dm_sum = 0.0
    tr_sum = 0.0
    dx_sum = 0.0
    adx_value = 0.0
    for index in range(1, size):
        up_move = high[index] - high[index - 1]
        down_move = low[index - 1] - low[index]
        plus_dm = 0.0
        minus_dm = 0.0
        if down_move > 0 and up_move < down_move:
            minus_dm = down_move
        elif up_move > 0 and up_move > down_move:
            plus_dm = up_move
        previous_close = close[index - 1]
        tr = high[index] - low[index]
        if abs(high[index] - previous_close) > tr:
            tr = abs(high[index] - previous_close)
        if abs(low[index] - previous_close) > tr:
            tr = abs(low[index] - previous_close)
        if index < length:
            plus_dm_sum += plus_dm
            minus_dm_sum += minus_dm
            tr_sum += tr
            continue
        plus_dm_sum = plus_dm_sum - plus_dm_sum / length + plus_dm
        minus_dm_sum = minus_dm_sum - minus_dm_sum / length + minus_dm
        tr_sum = tr_sum - tr_sum / length + tr
        if tr_sum == 0.0:
            plus_value = 0.0
            minus_value = 0.0
        else:
            plus_value = 100.0 * plus_dm_sum / tr_sum
            minus_value = 100.0 * minus_dm_sum / tr_sum
        plus_di[index] = plus_value
        minus_di[index] = minus_value
        di_total = plus_value + minus_value
        dx = 0.0 if di_total == 0.0 else 100.0 * abs(plus_value - minus_value) / di_total
        if index < 2 * length - 1:
            dx_sum += dx
        elif index == 2 * length - 1:
            dx_sum += dx
            adx_value = dx_sum / length
            adx[index] = adx_value
        else:
            adx_value = (adx_value * (length - 1) + dx) / length
            adx[index] = adx_value
    return plus_di, minus_di, adx


@njit(cache=True)
def session_vwap(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, session: np.ndarray
) -> np.ndarray:
    """VWAP of the typical price (h + l + c) / 3, cumulated within each ``session`` id.

    ``session`` is an int64 per bar (the UTC day number); the sums restart when it
    changes. While a session has no volume yet, the VWAP is the bar's typical price.
    """
    out = np.empty(close.size)
    price_volume = 0.0
    volume_total = 0.0
    for index in range(close.size):
        if index == 0 or session[index] != session[index - 1]:
            price_volume = 0.0
            volume_total = 0.0
        typical = (high[index] + low[index] + close[index]) / 3.0
        price_volume += typical * volume[index]
        volume_total += volume[index]
        out[index] = typical if volume_total == 0.0 else price_volume / volume_total
    return out


@njit(cache=True)
def consecutive_true_count(flags: np.ndarray) -> np.ndarray:
    """For each bar, how many consecutive bars up to and including it have the flag set."""
    out = np.zeros(flags.size, dtype=np.int64)
    run = 0
    for index in range(flags.size):
        run = run + 1 if flags[index] else 0
        out[index] = run
    return out


@njit(cache=True)
def pivot_indices(values: np.ndarray, left: int, right: int, first: int, find_highs: bool) -> np.ndarray:
    """Indices ``i >= first`` of confirmed pivots (highs or lows), oldest first.

    A pivot high beats the ``left`` bars before it strictly and is not exceeded by the
    ``right`` bars after it (``>=``), so of equal highs the earliest is the pivot;
    pivot lows mirror this. Only bars with ``right`` bars after them are candidates.
    """
    found = np.empty(values.size, dtype=np.int64)
    count = 0
    start = max(first, left)
    for index in range(start, values.size - right):
        value = values[index]
        is_pivot = True
        for other in range(index - left, index):
            if (find_highs and not value > values[other]) or (not find_highs and not value < values[other]):
                is_pivot = False
                break
        if is_pivot:
            for other in range(index + 1, index + right + 1):
                if (find_highs and not value >= values[other]) or (not find_highs and not value <= values[other]):
                    is_pivot = False
                    break
        if is_pivot:
            found[count] = index
            count += 1
    return found[:count]
