"""Fibonacci retracement of the last swing pair, the seed's entry/stop configuration and pullback state.

The pair is the newest confirmed swing and the newest swing of the other kind before
it. ``range = swing_high - swing_low`` (must be > 0).

- Newest swing a HIGH (an up-leg just ended): a LONG setup, buying the pullback. The
  retracement of ratio r is ``swing_high - r * range`` (0 = the high, 1 = the low).
- Newest swing a LOW (a down-leg just ended): a SHORT setup, selling the bounce; the
  retracement of r is ``swing_low + r * range`` (0 = the low, 1 = the high).

Entries, stop, approaching and pullback-start ratios are the seed's (``FibConfig``,
editable in the admin). Take-profits retrace back toward the leg's end: long TP1-TP3
at 0.5, 0.382, 0.236 and short TP1-TP3 at 0.382, 0.236, 0.0, the ratios the seed's
example signals (BTCUSDT long, SOLUSDT short) show.

Pullback state of the latest close (``retracement`` = how far of the range price has
come back from the leg's end):
``none`` < pullback start (0.382) <= ``pullback`` < approaching <= ``approaching`` <
entry 1 <= ``entry_zone`` < stop <= ``invalidated``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ta.engine.structure.swings import HIGH, SwingPoint

LONG = "long"
SHORT = "short"
STATE_NONE = "none"
STATE_PULLBACK = "pullback"
STATE_APPROACHING = "approaching"
STATE_ENTRY_ZONE = "entry_zone"
STATE_INVALIDATED = "invalidated"
RETRACEMENT_RATIOS = (0.0, 0.236, 0.382, 0.5, 0.618, 0.69, 0.7, 0.72, 0.786, 0.789, 0.9, 1.0)


@dataclass(frozen=True)
class FibSide:
    """Ratios of one direction's setup (retracement fractions of the leg, 0-1)."""

    entry1: float
    entry2: float
    stop: float
    approaching: float
    take_profits: tuple[float, float, float]


@dataclass(frozen=True)
class FibConfig:
    """The seed's Fibonacci configuration (long 0.70/0.72/0.90/0.618, short 0.618/0.69/0.789/0.5, pullback 0.382)."""

    long: FibSide = field(
        default_factory=lambda: FibSide(entry1=0.70, entry2=0.72, stop=0.90, approaching=0.618,
                                        take_profits=(0.5, 0.382, 0.236))
    )
    short: FibSide = field(
        default_factory=lambda: FibSide(entry1=0.618, entry2=0.69, stop=0.789, approaching=0.5,
                                        take_profits=(0.382, 0.236, 0.0))
    )
    pullback_start: float = 0.382

    def side(self, direction: str) -> FibSide:
        """The ratios for ``direction`` (long|short)."""
        return self.long if direction == LONG else self.short

    def problem(self) -> str | None:
        """Why these ratios cannot make a sane setup, or None. Each side needs
        0 <= TP3 < TP2 < TP1 < entry1 and pullback start <= approaching <= entry1 <= entry2 < stop <= 1."""
        for name, side in (("long", self.long), ("short", self.short)):
            tp1, tp2, tp3 = side.take_profits
            if not 0.0 <= tp3 < tp2 < tp1 < side.entry1:
                return f"{name}: need 0 <= TP3 < TP2 < TP1 < entry1"
            if not self.pullback_start <= side.approaching <= side.entry1 <= side.entry2 < side.stop <= 1.0:
                return f"{name}: need pullback start <= approaching <= entry1 <= entry2 < stop <= 1"
        return None


DEFAULT_FIB_CONFIG = FibConfig()


@dataclass(frozen=True)
class FibSetup:
    """A Fibonacci setup from one swing pair: prices of every ratio and the setup's own levels."""

    direction: str
    swing_high: SwingPoint
    swing_low: SwingPoint
    levels: dict[float, float]
    entry1: float
    entry2: float
    stop: float
    approaching: float
    pullback_start: float
    take_profits: tuple[float, float, float]
    retracement: float
    state: str

    @property
    def range(self) -> float:
        return self.swing_high.price - self.swing_low.price


def fib_price(*, direction: str, swing_high: float, swing_low: float, ratio: float) -> float:
    """Price of retracement ``ratio`` of the leg: long from the high down, short from the low up."""
    span = swing_high - swing_low
    return swing_high - ratio * span if direction == LONG else swing_low + ratio * span


def fib_state(*, retracement: float, side: FibSide, pullback_start: float) -> str:
    """The pullback state for a ``retracement`` fraction (see the module docstring)."""
    if retracement >= side.stop:
        return STATE_INVALIDATED
    if retracement >= side.entry1:
        return STATE_ENTRY_ZONE
    if retracement >= side.approaching:
        return STATE_APPROACHING
    if retracement >= pullback_start:
        return STATE_PULLBACK
    return STATE_NONE


def swing_pair_last(swings: list[SwingPoint]) -> tuple[SwingPoint, SwingPoint] | None:
    """(newest swing, newest swing of the other kind before it), or None when there is no such pair."""
    if not swings:
        return None
    newest = swings[-1]
    for point in reversed(swings[:-1]):
        if point.kind != newest.kind and point.index < newest.index:
            return newest, point
    return None


def fib_setup(*, swings: list[SwingPoint], close: float, config: FibConfig = DEFAULT_FIB_CONFIG) -> FibSetup | None:
    """The Fibonacci setup of the last swing pair at the latest ``close``.

    None when there is no pair (too few swings) or the pair's high is not above its low.
    """
    pair = swing_pair_last(swings)
    if pair is None:
        return None
    newest, other = pair
    high, low = (newest, other) if newest.kind == HIGH else (other, newest)
    span = high.price - low.price
    if not span > 0:
        return None
    direction = LONG if newest.kind == HIGH else SHORT
    side = config.side(direction)

    def price(ratio: float) -> float:
        return fib_price(direction=direction, swing_high=high.price, swing_low=low.price, ratio=ratio)

    retracement = (high.price - close) / span if direction == LONG else (close - low.price) / span
    ratios = sorted(set(RETRACEMENT_RATIOS) | {side.entry1, side.entry2, side.stop, side.approaching,
                                                 config.pullback_start, *side.take_profits})
    return FibSetup(
        direction=direction,
        swing_high=high,
        swing_low=low,
        levels={ratio: price(ratio) for ratio in ratios},
        entry1=price(side.entry1),
        entry2=price(side.entry2),
        stop=price(side.stop),
        approaching=price(side.approaching),
        pullback_start=price(config.pullback_start),
        take_profits=(price(side.take_profits[0]), price(side.take_profits[1]), price(side.take_profits[2])),
        retracement=retracement,
        state=fib_state(retracement=retracement, side=side, pullback_start=config.pullback_start),
    )
