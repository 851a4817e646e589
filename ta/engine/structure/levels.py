"""Support and resistance levels by clustering swing prices.

Method (docs/STRUCTURE.md, "Support and resistance"):

1. Every confirmed swing (highs and lows alike) is a touch at its price.
2. Sorted by price, touches are grouped greedily from the lowest: a touch joins the
   current cluster while it lies within ``tolerance`` of the cluster's LOWEST price,
   so no cluster is wider than the tolerance; otherwise it starts a new cluster.
   ``tolerance`` is ``tolerance_atr`` x the latest ATR 14 (default 0.5 ATR) or, when
   ``tolerance_pct`` is given, that percent of the latest close.
3. A cluster with at least ``min_touches`` (default 2) touches is a level at the mean
   of its prices. ``touches`` counts them; ``strength`` = min(100, 25 x touches).
4. Origin: ``resistance`` when most touches were swing highs, ``support`` when most
   were lows; on a tie, the kind of the newest touch.
5. A level is ``broken`` when the latest close is beyond it by more than the
   tolerance on the side its origin defended (a resistance closed above, a support
   closed below); otherwise ``active``.
6. ``kind`` (what it is now): ``support`` if the level is at or below the latest
   close, else ``resistance`` (a broken resistance below price acts as support).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ta.engine.structure.swings import HIGH, SwingPoint

DEFAULT_TOLERANCE_ATR = 0.5
DEFAULT_MIN_TOUCHES = 2
STRENGTH_PER_TOUCH = 25
SUPPORT = "support"
RESISTANCE = "resistance"


@dataclass(frozen=True)
class Level:
    """One S/R level: price (cluster mean), zone bounds, touches, strength 0-100, kind, origin, active."""

    price: float
    zone_low: float
    zone_high: float
    touches: int
    strength: int
    kind: str
    origin: str
    active: bool
    first_touch_ns: int
    last_touch_ns: int


def level_tolerance(*, close: float, atr: float, tolerance_atr: float, tolerance_pct: float | None) -> float:
    """The clustering tolerance in price units: ``tolerance_pct`` % of ``close`` if given, else
    ``tolerance_atr`` x ``atr``; 0.1 % of the close when the ATR is not finite or zero."""
    if tolerance_pct is not None:
        return close * tolerance_pct / 100.0
    if not np.isfinite(atr) or atr <= 0:
        return close * 0.001
    return tolerance_atr * atr


def levels_detect(
    *,
    swings: list[SwingPoint],
    close: float,
    atr: float,
    tolerance_atr: float = DEFAULT_TOLERANCE_ATR,
    tolerance_pct: float | None = None,
    min_touches: int = DEFAULT_MIN_TOUCHES,
) -> list[Level]:
    """S/R levels from ``swings`` (see the module docstring), sorted by price ascending.

    ``close`` is the latest close and ``atr`` the latest ATR 14 (price units). No swings
    (too few candles) give an empty list.
    """
    if not swings or not np.isfinite(close):
        return []
    tolerance = level_tolerance(close=close, atr=atr, tolerance_atr=tolerance_atr, tolerance_pct=tolerance_pct)
    ordered = sorted(swings, key=lambda point: (point.price, point.index))
    clusters: list[list[SwingPoint]] = [[ordered[0]]]
    for point in ordered[1:]:
        if point.price - clusters[-1][0].price <= tolerance:
            clusters[-1].append(point)
        else:
            clusters.append([point])
    levels = []
    for members in clusters:
        if len(members) < min_touches:
            continue
        levels.append(_level_of(members, close=close, tolerance=tolerance))
    return levels


def _level_of(members: list[SwingPoint], *, close: float, tolerance: float) -> Level:
    prices = [point.price for point in members]
    price = float(np.mean(prices))
    highs = sum(1 for point in members if point.kind == HIGH)
    lows = len(members) - highs
    newest = max(members, key=lambda point: point.index)
    if highs != lows:
        origin = RESISTANCE if highs > lows else SUPPORT
    else:
        origin = RESISTANCE if newest.kind == HIGH else SUPPORT
    broken = close > price + tolerance if origin == RESISTANCE else close < price - tolerance
    return Level(
        price=price,
        zone_low=min(prices),
        zone_high=max(prices),
        touches=len(members),
        strength=min(100, STRENGTH_PER_TOUCH * len(members)),
        kind=SUPPORT if price <= close else RESISTANCE,
        origin=origin,
        active=not broken,
        first_touch_ns=min(point.open_time_ns for point in members),
        last_touch_ns=newest.open_time_ns,
    )


def level_nearest_support(levels: list[Level], *, price: float) -> Level | None:
    """The highest level at or below ``price`` (active or a flipped broken resistance), or None."""
    below = [level for level in levels if level.price <= price]
    return max(below, key=lambda level: level.price) if below else None


def level_nearest_resistance(levels: list[Level], *, price: float) -> Level | None:
    """The lowest level above ``price``, or None."""
    above = [level for level in levels if level.price > price]
    return min(above, key=lambda level: level.price) if above else None
