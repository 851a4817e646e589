"""Confluence of order blocks, S/R, RSI, Fibonacci and swing structure into a 0-100 market score.

Each factor is judged for one setup (direction and entry zone [entry2, entry1] of a
Fibonacci setup), and awards up to its weight (docs/STRUCTURE.md, "Confluence"):

- OB 25: an unmitigated order block of the trade's side (bullish for long) overlaps
  the entry zone widened by the tolerance.
- SR 25: a level of the trade's side (support below price for long, resistance above
  for short) overlaps the widened entry zone.
- RSI 15: long RSI 14 <= 30 (15) or <= 40 (8); short RSI >= 70 (15) or >= 60 (8).
- FIB 20: the pullback reached the approaching level or the entry zone (20), or only
  the pullback start (10).
- SWING 15: structure agrees: long, the newest swing low is above the one before
  (higher low); short, the newest swing high is below the one before (lower high).

- OI, CVD, LS, FUND 10 each: the derivatives factors (``ta.engine.derivatives``: open
  interest rising with price, CVD divergence from price, crowded longs/shorts, extreme
  funding), judged on the derivatives series when the analysis is given one; "no data"
  (0 points) otherwise.

The score is the sum capped at 100; the confluence list names every factor that scored, in
the order OB, SR, RSI, FIB, SWING, OI, CVD, LS, FUND (the seed's ``"OB,SR,RSI"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ta.engine.derivatives import FACTOR_CODES as DERIVATIVES_CODES
from ta.engine.derivatives import DerivativesFactor, derivatives_factors
from ta.engine.structure.fibonacci import (
    LONG,
    STATE_APPROACHING,
    STATE_ENTRY_ZONE,
    STATE_PULLBACK,
    FibSetup,
)
from ta.engine.structure.levels import RESISTANCE, SUPPORT, Level
from ta.engine.structure.order_blocks import BEARISH, BULLISH, OrderBlock
from ta.engine.structure.swings import HIGH, LOW, SwingPoint

WEIGHT_OB = 25
WEIGHT_SR = 25
WEIGHT_RSI = 15
WEIGHT_RSI_PARTIAL = 8
WEIGHT_FIB = 20
WEIGHT_FIB_PARTIAL = 10
WEIGHT_SWING = 15
RSI_OVERSOLD = 30.0
RSI_WEAK = 40.0
RSI_OVERBOUGHT = 70.0
RSI_STRONG = 60.0
WEIGHT_DERIVATIVES = 10  # each of OI, CVD, LS, FUND
FACTOR_ORDER = ("OB", "SR", "RSI", "FIB", "SWING", *DERIVATIVES_CODES)


@dataclass(frozen=True)
class ConfluenceFactor:
    """One factor's code, points awarded (0..weight), weight and a human-readable reason."""

    code: str
    score: int
    weight: int
    detail: str


@dataclass(frozen=True)
class Confluence:
    """The 0-100 market score, every factor (scored or not) and the codes of those that scored."""

    market_score: int
    factors: list[ConfluenceFactor]

    @property
    def codes(self) -> list[str]:
        return [factor.code for factor in self.factors if factor.score > 0]


def _overlaps(low: float, high: float, zone_low: float, zone_high: float) -> bool:
    return low <= zone_high and high >= zone_low


def _factor_ob(setup: FibSetup, blocks: list[OrderBlock], zone: tuple[float, float]) -> ConfluenceFactor:
    wanted = BULLISH if setup.direction == LONG else BEARISH
    for block in reversed(blocks):
        if block.kind == wanted and _overlaps(block.low, block.high, *zone):
            return ConfluenceFactor("OB", WEIGHT_OB, WEIGHT_OB, f"{wanted} order block {block.low:g}-{block.high:g}")
    return ConfluenceFactor("OB", 0, WEIGHT_OB, f"no {wanted} order block at the entry zone")


def _factor_sr(setup: FibSetup, levels: list[Level], zone: tuple[float, float]) -> ConfluenceFactor:
    wanted = SUPPORT if setup.direction == LONG else RESISTANCE
    matching = [level for level in levels if level.kind == wanted and _overlaps(level.zone_low, level.zone_high, *zone)]
    if matching:
        best = max(matching, key=lambda level: level.touches)
        return ConfluenceFactor("SR", WEIGHT_SR, WEIGHT_SR, f"{wanted} {best.price:g} ({best.touches} touches)")
    return ConfluenceFactor("SR", 0, WEIGHT_SR, f"no {wanted} level at the entry zone")


def _factor_rsi(setup: FibSetup, rsi: float) -> ConfluenceFactor:
    if not np.isfinite(rsi):
        return ConfluenceFactor("RSI", 0, WEIGHT_RSI, "RSI not available")
    if setup.direction == LONG:
        points = WEIGHT_RSI if rsi <= RSI_OVERSOLD else WEIGHT_RSI_PARTIAL if rsi <= RSI_WEAK else 0
    else:
        points = WEIGHT_RSI if rsi >= RSI_OVERBOUGHT else WEIGHT_RSI_PARTIAL if rsi >= RSI_STRONG else 0
    return ConfluenceFactor("RSI", points, WEIGHT_RSI, f"RSI {rsi:.1f}")


def _factor_fib(setup: FibSetup) -> ConfluenceFactor:
    if setup.state in (STATE_APPROACHING, STATE_ENTRY_ZONE):
        points = WEIGHT_FIB
    elif setup.state == STATE_PULLBACK:
        points = WEIGHT_FIB_PARTIAL
    else:
        points = 0
    return ConfluenceFactor("FIB", points, WEIGHT_FIB, f"retracement {setup.retracement:.3f} ({setup.state})")


def _factor_swing(setup: FibSetup, swings: list[SwingPoint]) -> ConfluenceFactor:
    kind = LOW if setup.direction == LONG else HIGH
    same = [point for point in swings if point.kind == kind]
    if len(same) < 2:
        return ConfluenceFactor("SWING", 0, WEIGHT_SWING, "fewer than two swings to compare")
    older, newer = same[-2].price, same[-1].price
    if setup.direction == LONG and newer > older:
        return ConfluenceFactor("SWING", WEIGHT_SWING, WEIGHT_SWING, f"higher low {newer:g} > {older:g}")
    if setup.direction != LONG and newer < older:
        return ConfluenceFactor("SWING", WEIGHT_SWING, WEIGHT_SWING, f"lower high {newer:g} < {older:g}")
    return ConfluenceFactor("SWING", 0, WEIGHT_SWING, f"structure does not agree ({older:g} -> {newer:g})")


def confluence_score(
    *,
    setup: FibSetup,
    levels: list[Level],
    blocks: list[OrderBlock],
    swings: list[SwingPoint],
    rsi: float,
    tolerance: float,
    derivatives: list[DerivativesFactor] | None = None,
) -> Confluence:
    """Score ``setup`` (see the module docstring). ``rsi`` is the latest RSI 14 (NaN scores 0),
    ``tolerance`` the S/R clustering tolerance in price units (widens the entry zone),
    ``derivatives`` the setup's derivatives factors (``ta.engine.derivatives.derivatives_factors``
    for its direction; None: all four absent, "no data")."""
    zone = (min(setup.entry1, setup.entry2) - tolerance, max(setup.entry1, setup.entry2) + tolerance)
    factors = [
        _factor_ob(setup, blocks, zone),
        _factor_sr(setup, levels, zone),
        _factor_rsi(setup, rsi),
        _factor_fib(setup),
        _factor_swing(setup, swings),
    ]
    if derivatives is None:
        derivatives = derivatives_factors(None, at_ns=0, direction=setup.direction, weight=WEIGHT_DERIVATIVES)
    factors += [ConfluenceFactor(factor.code, factor.points, factor.weight, factor.detail) for factor in derivatives]
    return Confluence(market_score=min(100, sum(factor.score for factor in factors)), factors=factors)
