"""Swing highs and lows (fractal pivots) with an explicit tie rule.

A swing high at bar ``i`` has a high strictly above the highs of the ``strength`` bars
before it and not below (``>=``) the highs of the ``strength`` bars after it; so of two
equal highs the EARLIER bar is the swing. Swing lows mirror this on the lows. A swing
is confirmed only once ``strength`` bars have closed after it: the newest ``strength``
bars can never be swings. One bar can be both a swing high and a swing low (an outside
bar). Same rule as the divergence pivots (``kernels.pivot_indices``), Bill Williams'
fractal generalised to ``strength`` bars per side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ta.engine import kernels

DEFAULT_STRENGTH = 5
HIGH = "high"
LOW = "low"


@dataclass(frozen=True)
class SwingPoint:
    """One confirmed swing: bar ``index`` in the input, its open time (ns, UTC), price, kind high|low."""

    index: int
    open_time_ns: int
    price: float
    kind: str
    strength: int


def swings_detect(
    *, high: np.ndarray, low: np.ndarray, open_time_ns: np.ndarray, strength: int = DEFAULT_STRENGTH
) -> list[SwingPoint]:
    """Confirmed swing highs and lows of the bars, oldest first (a high before a low on the same bar).

    Inputs: float arrays of equal length (price units), ``open_time_ns`` int64 ns.
    ``strength`` >= 1 bars each side. Needs ``2 * strength + 1`` bars for the first
    swing; fewer bars (or NaN around a bar) give no swing there, never an error.
    """
    if strength < 1:
        raise ValueError(f"strength must be at least 1, got {strength}")
    high = np.ascontiguousarray(high, dtype=np.float64)
    low = np.ascontiguousarray(low, dtype=np.float64)
    if high.size < 2 * strength + 1:
        return []
    points: list[SwingPoint] = []
    for kind, values, find_highs in ((HIGH, high, True), (LOW, low, False)):
        for index in kernels.pivot_indices(values, strength, strength, 0, find_highs):
            index = int(index)
            if np.isfinite(values[index]):
                points.append(
                    SwingPoint(
                        index=index,
                        open_time_ns=int(open_time_ns[index]),
                        price=float(values[index]),
                        kind=kind,
                        strength=strength,
                    )
                )
    points.sort(key=lambda point: (point.index, point.kind != HIGH))
    return points


def swing_latest(points: list[SwingPoint], kind: str, *, before_index: int | None = None) -> SwingPoint | None:
    """The newest swing of ``kind`` (optionally only those at bars before ``before_index``), or None."""
    for point in reversed(points):
        if point.kind == kind and (before_index is None or point.index < before_index):
            return point
    return None
