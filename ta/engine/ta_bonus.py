"""The TA bonus of the seed (platform-v3 "Scoring Integration"): points added to a side.

+10 EMA ribbon aligned with the side (5m AND 1h ribbons both bullish for long, both
bearish for short); +15 TTM squeeze fires in the side's direction (on the previous 5m
bar, off on the latest, momentum bullish for long, bearish for short); +20 Stoch RSI
regular divergence aligned (bullish for long, bearish for short). So at most 45 per
side before the trader's ``ta_bonus_cap`` (30 by default), which the trader applies.
The bonus is shown beside the base score, never folded into it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ta.engine.divergence import Divergence
from ta.engine.ema import RibbonState
from ta.engine.squeeze import SqueezeState

RIBBON_POINTS = 10
SQUEEZE_POINTS = 15
DIVERGENCE_POINTS = 20


@dataclass(frozen=True)
class TaBonus:
    """``long_bonus``/``short_bonus`` in score points and the seed's reasoning strings."""

    long_bonus: int
    short_bonus: int
    reasoning: list[str]


def ta_bonus(
    *, ribbon_5m: RibbonState, ribbon_1h: RibbonState, squeeze: SqueezeState, divergence: Divergence
) -> TaBonus:
    """The bonus of each side with one reasoning string per award, long awards first."""
    long_bonus = short_bonus = 0
    long_reasons: list[str] = []
    short_reasons: list[str] = []
    for state, is_long in (("bullish", True), ("bearish", False)):
        points = 0
        reasons = long_reasons if is_long else short_reasons
        if ribbon_5m.state == state and ribbon_1h.state == state:
            points += RIBBON_POINTS
            reasons.append(f"EMA ribbon {state} aligned (+{RIBBON_POINTS})")
        if squeeze.fired and squeeze.direction == state:
            points += SQUEEZE_POINTS
            reasons.append(f"TTM squeeze {state} (+{SQUEEZE_POINTS})")
        if divergence.divergence == state:
            points += DIVERGENCE_POINTS
            reasons.append(f"Stoch RSI {state} divergence (+{DIVERGENCE_POINTS})")
        if is_long:
            long_bonus = points
        else:
            short_bonus = points
    return TaBonus(long_bonus=long_bonus, short_bonus=short_bonus, reasoning=long_reasons + short_reasons)
