"""The scanner's base score per coin (docs/SCORING.md) and the suggested leverage.

Long and short scores run 0-80, built from five components with stated points. The
scheme rewards a coin stretched away from its fair range (a long candidate is
oversold, below VWAP, low in its Bollinger Bands, down on the day), and elevated
volume confirms a side that already scored. Every awarded point carries a reason
string ending in "(+N)". The trader and the dashboard read these numbers; nothing
recomputes them elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

MAX_SCORE = 80
LONG = "long"
SHORT = "short"
NEUTRAL = "neutral"

# (threshold, points) tiers, best first. Long tiers compare with <=, short tiers with >=.
RSI_LONG_TIERS = ((25.0, 20, "deeply oversold"), (30.0, 15, "oversold"), (40.0, 8, "weak"))
RSI_SHORT_TIERS = ((75.0, 20, "deeply overbought"), (70.0, 15, "overbought"), (60.0, 8, "strong"))
VWAP_LONG_TIERS = ((-2.0, 15), (-1.0, 10), (-0.3, 5))
VWAP_SHORT_TIERS = ((2.0, 15), (1.0, 10), (0.3, 5))
BB_LONG_TIERS = ((0.0, 15), (0.15, 10), (0.3, 5))
BB_SHORT_TIERS = ((1.0, 15), (0.85, 10), (0.7, 5))
CHANGE_LONG_TIERS = ((-8.0, 15), (-4.0, 10), (-2.0, 5))
CHANGE_SHORT_TIERS = ((8.0, 15), (4.0, 10), (2.0, 5))
VOLUME_TIERS = ((3.0, 15), (2.0, 10), (1.5, 5))
# Optional (``SCANNER_DERIVATIVES_FACTORS``, off by default): points per derivatives factor that holds
# (ta.engine.derivatives: OI, CVD, LS, FUND); a side's score stays capped at MAX_SCORE.
DERIVATIVES_POINTS = 5


@dataclass(frozen=True)
class ScanInputs:
    """The measured values a score is built from (5m candles unless stated).

    ``rsi``: RSI 14, 0-100. ``vwap_deviation_pct``: (close - daily VWAP) / VWAP in %.
    ``bb_position``: 0 = lower band, 1 = upper band. ``change_24h_pct``: price change
    over 24 h in % (None when unknown). ``volume_ratio``: mean volume of the last hour
    over the mean of the 8 hours before (None when unknown).
    """

    rsi: float
    vwap_deviation_pct: float
    bb_position: float
    change_24h_pct: float | None
    volume_ratio: float | None


@dataclass
class SideScore:
    """One side's points and the reason for each award."""

    score: int = 0
    reasons: list[str] = field(default_factory=list)

    def award(self, points: int, reason: str) -> None:
        self.score += points
        self.reasons.append(f"{reason} (+{points})")


@dataclass(frozen=True)
class ScannerScore:
    """``long_score`` and ``short_score`` 0-80 with their reasons; ``direction`` the higher side."""

    long_score: int
    short_score: int
    long_reasons: list[str]
    short_reasons: list[str]

    @property
    def direction(self) -> str:
        if self.long_score == self.short_score:
            return NEUTRAL
        return LONG if self.long_score > self.short_score else SHORT


def _tier_low(value: float, tiers: tuple) -> tuple | None:
    return next((tier for tier in tiers if value <= tier[0]), None)


def _tier_high(value: float, tiers: tuple) -> tuple | None:
    return next((tier for tier in tiers if value >= tier[0]), None)


def scanner_score(*, inputs: ScanInputs, derivatives: Mapping[str, list] | None = None) -> ScannerScore:
    """Score both sides from ``inputs`` per docs/SCORING.md (each side 0-80).

    ``derivatives`` (only when ``SCANNER_DERIVATIVES_FACTORS`` is on): ``{"long": [factor, ...],
    "short": [...]}`` of ``ta.engine.derivatives.derivatives_factors`` with weight
    ``DERIVATIVES_POINTS``; each adds its points and its reason ("no data" ones add a "(+0)" reason).
    None (the default): the seed's score, unchanged.
    """
    long_side, short_side = SideScore(), SideScore()
    if tier := _tier_low(inputs.rsi, RSI_LONG_TIERS):
        long_side.award(tier[1], f"RSI {inputs.rsi:.1f} {tier[2]} (<={tier[0]:g})")
    if tier := _tier_high(inputs.rsi, RSI_SHORT_TIERS):
        short_side.award(tier[1], f"RSI {inputs.rsi:.1f} {tier[2]} (>={tier[0]:g})")
    deviation = inputs.vwap_deviation_pct
    if tier := _tier_low(deviation, VWAP_LONG_TIERS):
        long_side.award(tier[1], f"Price {deviation:+.2f}% below VWAP (<={tier[0]:g}%)")
    if tier := _tier_high(deviation, VWAP_SHORT_TIERS):
        short_side.award(tier[1], f"Price {deviation:+.2f}% above VWAP (>={tier[0]:g}%)")
    position = inputs.bb_position
    if tier := _tier_low(position, BB_LONG_TIERS):
        long_side.award(tier[1], f"BB position {position:.2f} near lower band (<={tier[0]:g})")
    if tier := _tier_high(position, BB_SHORT_TIERS):
        short_side.award(tier[1], f"BB position {position:.2f} near upper band (>={tier[0]:g})")
    change = inputs.change_24h_pct
    if change is not None:
        if tier := _tier_low(change, CHANGE_LONG_TIERS):
            long_side.award(tier[1], f"24h change {change:+.2f}% dip (<={tier[0]:g}%)")
        if tier := _tier_high(change, CHANGE_SHORT_TIERS):
            short_side.award(tier[1], f"24h change {change:+.2f}% rally (>={tier[0]:+g}%)")
    ratio = inputs.volume_ratio
    if ratio is not None and (tier := _tier_high(ratio, VOLUME_TIERS)):
        for side in (long_side, short_side):
            if side.score > 0:
                side.award(tier[1], f"Volume {ratio:.1f}x the 8h average confirms (>={tier[0]:g}x)")
    if derivatives is not None:
        for side, name in ((long_side, LONG), (short_side, SHORT)):
            for factor in derivatives.get(name, []):
                side.award(factor.points, f"{factor.code}: {factor.detail}")
    return ScannerScore(
        long_score=min(long_side.score, MAX_SCORE),
        short_score=min(short_side.score, MAX_SCORE),
        long_reasons=long_side.reasons,
        short_reasons=short_side.reasons,
    )


def leverage_rules_parse(rules: Mapping[str, int]) -> tuple[list[tuple[float, int]], int]:
    """``{"60+": 7, "default": 5}`` as ([(60.0, 7)], 5), brackets highest first.

    Raises ValueError for a key other than ``"N+"`` or ``"default"``, a missing
    default, or a leverage below 1.
    """
    brackets: list[tuple[float, int]] = []
    default: int | None = None
    for key, leverage in rules.items():
        if int(leverage) < 1:
            raise ValueError(f"leverage must be at least 1, got {leverage!r} for {key!r}")
        if key == "default":
            default = int(leverage)
        elif key.endswith("+"):
            try:
                brackets.append((float(key[:-1]), int(leverage)))
            except ValueError:
                raise ValueError(f"leverage rule key {key!r} is not 'N+' or 'default'") from None
        else:
            raise ValueError(f"leverage rule key {key!r} is not 'N+' or 'default'")
    if default is None:
        raise ValueError("leverage rules need a 'default' entry")
    return sorted(brackets, reverse=True), default


@lru_cache(maxsize=64)
def _rules_parsed(items: tuple[tuple[str, int], ...]) -> tuple[tuple[tuple[float, int], ...], int]:
    """``leverage_rules_parse`` of ``dict(items)``, remembered (the backtester asks per candidate)."""
    brackets, default = leverage_rules_parse(dict(items))
    return tuple(brackets), default


def leverage_suggest(*, score: float, rules: Mapping[str, int], max_leverage: int) -> int:
    """Leverage for a signal of ``score``: the highest bracket ``"N+"`` with score >= N, else
    ``default``; never above ``max_leverage`` (the config's cap) nor below 1."""
    brackets, default = _rules_parsed(tuple(rules.items()))
    leverage = default
    for threshold, value in brackets:
        if score >= threshold:
            leverage = value
            break
    return max(1, min(int(leverage), int(max_leverage)))
