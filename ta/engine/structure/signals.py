"""Trade signals from a Fibonacci setup: entries, stop, TP1-TP3, S/R, confluence, risk-reward, confidence.

- ``entry1``/``entry2``, ``stop``, ``tp1``-``tp3`` are the setup's Fibonacci prices
  (``fibonacci.py``); for a long stop < entry2 < entry1 < TP1 < TP2 < TP3, for a short
  the mirror image.
- ``risk_reward_ratio`` = |TP3 - entry1| / |entry1 - stop|, from the first entry to the
  final target, 2 decimals.
- ``confidence_score`` (0-100, 1 decimal) = 0.7 x market score + 0.3 x reward score,
  where the reward score is min(risk-reward, 3) / 3 x 100: a setup needs both
  confluence and a worthwhile target to be trusted.
- ``actionable``: the pullback has started and is not invalidated (state pullback,
  approaching or entry_zone): "pullback detection" of the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ta.engine.structure.confluence import Confluence
from ta.engine.structure.fibonacci import (
    STATE_APPROACHING,
    STATE_ENTRY_ZONE,
    STATE_PULLBACK,
    FibSetup,
)
from ta.engine.structure.levels import Level

ACTIONABLE_STATES = (STATE_PULLBACK, STATE_APPROACHING, STATE_ENTRY_ZONE)
CONFIDENCE_SCORE_WEIGHT = 0.7
CONFIDENCE_REWARD_WEIGHT = 0.3
REWARD_FULL_SCALE = 3.0


@dataclass(frozen=True)
class StructureSignal:
    """One setup's trade plan (prices in the candles' units) and its scores."""

    direction: str
    price: float
    entry1: float
    entry2: float
    stop: float
    tp1: float
    tp2: float
    tp3: float
    swing_high: float
    swing_low: float
    support_level: float | None
    resistance_level: float | None
    confluence: Confluence
    market_score: int
    risk_reward_ratio: float
    confidence_score: float
    state: str
    retracement: float

    @property
    def actionable(self) -> bool:
        return self.state in ACTIONABLE_STATES


def risk_reward(*, entry: float, stop: float, target: float) -> float:
    """|target - entry| / |entry - stop| rounded to 2 decimals; 0.0 when the risk is zero."""
    risk = abs(entry - stop)
    return 0.0 if risk == 0 else round(abs(target - entry) / risk, 2)


def confidence(*, market_score: float, risk_reward_ratio: float) -> float:
    """0.7 x market score + 0.3 x min(RR, 3)/3 x 100, 0-100, one decimal."""
    reward_score = min(max(risk_reward_ratio, 0.0), REWARD_FULL_SCALE) / REWARD_FULL_SCALE * 100.0
    value = CONFIDENCE_SCORE_WEIGHT * market_score + CONFIDENCE_REWARD_WEIGHT * reward_score
    return round(min(100.0, max(0.0, value)), 1)


def signal_build(
    *,
    setup: FibSetup,
    price: float,
    confluence: Confluence,
    support: Level | None,
    resistance: Level | None,
) -> StructureSignal:
    """The trade plan of ``setup`` at the latest close ``price`` with its confluence and nearest levels."""
    tp1, tp2, tp3 = setup.take_profits
    ratio = risk_reward(entry=setup.entry1, stop=setup.stop, target=tp3)
    return StructureSignal(
        direction=setup.direction,
        price=price,
        entry1=setup.entry1,
        entry2=setup.entry2,
        stop=setup.stop,
        tp1=tp1,
        tp2=tp2,
        tp3=tp3,
        swing_high=setup.swing_high.price,
        swing_low=setup.swing_low.price,
        support_level=None if support is None else support.price,
        resistance_level=None if resistance is None else resistance.price,
        confluence=confluence,
        market_score=confluence.market_score,
        risk_reward_ratio=ratio,
        confidence_score=confidence(market_score=confluence.market_score, risk_reward_ratio=ratio),
        state=setup.state,
        retracement=setup.retracement,
    )
