"""Order blocks: the last opposite candle before an impulsive move (ICT / "smart money" usage).

Definition used here (docs/STRUCTURE.md, "Order blocks"):

- Bullish order block at bar ``i``: bar ``i`` is bearish (close < open) and, within the
  next ``impulse_bars`` (3) bars, a close rises above bar ``i``'s high by at least
  ``impulse_atr`` (1.0) x ATR 14 at bar ``i`` (the displacement). Its zone is bar
  ``i``'s [low, high]. When several bearish bars precede the same displacement, each
  qualifies on its own; only the newest ``max_blocks`` are kept.
- Bearish order block mirrors it: a bullish bar (close > open) followed within 3 bars
  by a close below its low by at least 1.0 ATR; zone [low, high].
- Mitigated (no longer valid): a later close beyond the far side of the zone (below
  the low for a bullish block, above the high for a bearish one). Only unmitigated
  blocks are returned. Doji bars (close == open) are never blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BULLISH = "bullish"
BEARISH = "bearish"
IMPULSE_BARS = 3
IMPULSE_ATR = 1.0
MAX_BLOCKS = 10


@dataclass(frozen=True)
class OrderBlock:
    """An unmitigated order block: kind bullish|bearish, zone [low, high], bar index and open time (ns)."""

    kind: str
    low: float
    high: float
    index: int
    open_time_ns: int


def order_blocks_detect(
    *,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    atr: np.ndarray,
    open_time_ns: np.ndarray,
    impulse_bars: int = IMPULSE_BARS,
    impulse_atr: float = IMPULSE_ATR,
    max_blocks: int = MAX_BLOCKS,
) -> list[OrderBlock]:
    """Unmitigated bullish and bearish order blocks, oldest first, at most ``max_blocks`` of each kind.

    Inputs are aligned float arrays in price units; ``atr`` is ATR 14 (NaN during its
    14-bar warm-up, where no block is detected). Too few bars give an empty list.
    """
    count = close.size
    if count < 2:
        return []
    window = np.lib.stride_tricks.sliding_window_view
    # Closes of the next ``impulse_bars`` bars after each bar (padded so the last bars see fewer).
    later_max = window(np.concatenate((close[1:], np.full(impulse_bars, -np.inf))), impulse_bars).max(axis=1)
    later_min = window(np.concatenate((close[1:], np.full(impulse_bars, np.inf))), impulse_bars).min(axis=1)
    # Lowest and highest close of every bar after each bar (mitigation).
    after_min = np.append(np.minimum.accumulate(close[::-1])[::-1][1:], np.inf)
    after_max = np.append(np.maximum.accumulate(close[::-1])[::-1][1:], -np.inf)
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(atr) & (atr > 0)
        displacement = impulse_atr * np.where(usable, atr, np.nan)
        bullish = usable & (close < open_) & (later_max >= high + displacement) & ~(after_min < low)
        bearish = usable & (close > open_) & (later_min <= low - displacement) & ~(after_max > high)
    found = {
        BULLISH: [_block(BULLISH, int(index), high, low, open_time_ns) for index in np.flatnonzero(bullish)],
        BEARISH: [_block(BEARISH, int(index), high, low, open_time_ns) for index in np.flatnonzero(bearish)],
    }
    blocks = found[BULLISH][-max_blocks:] + found[BEARISH][-max_blocks:]
    return sorted(blocks, key=lambda block: block.index)


def _block(kind: str, index: int, high: np.ndarray, low: np.ndarray, open_time_ns: np.ndarray) -> OrderBlock:
    return OrderBlock(
        kind=kind, low=float(low[index]), high=float(high[index]), index=index, open_time_ns=int(open_time_ns[index])
    )
