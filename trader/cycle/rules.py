"""Entry decisions: which scanned candidates may open a position, and exactly why not.

Pure: every input is passed in (the config snapshot, the account, the markets), so the
live cycle and the backtester decide identically and the decision log can show each
rule's verdict. Rules are evaluated in a fixed order and all of them are recorded; the
first one that fails is the reason given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from coinex.dto import Market
from ta.engine.scoring import leverage_suggest
from trader.models import Side

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Candidate:
    """One symbol's best side from the latest scan."""

    symbol: str
    side: Side
    base_score: int
    ta_bonus: int
    scanned_at: datetime
    price: Decimal | None
    strategy: str = "scanner"
    signal_reason: str = ""


@dataclass(frozen=True)
class EntrySettings:
    """The part of the runtime config entries depend on (a snapshot for one cycle)."""

    long_threshold: int
    short_threshold: int
    coin_whitelist: tuple[str, ...]
    coin_blacklist: tuple[str, ...]
    max_positions: int
    max_leverage: int
    leverage_rules: Mapping[str, int]
    position_size_pct: Decimal
    use_ta_signals: bool
    ta_bonus_cap: int


@dataclass
class Account:
    """The account as the cycle sees it; ``open_symbols`` grows as the cycle enters."""

    enabled: bool
    lock: str | None
    equity: Decimal
    available: Decimal
    open_symbols: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Verdict:
    rule: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class EntryPlan:
    """The decision for one candidate: its scores, every verdict, and what to send."""

    candidate: Candidate
    score: int
    ta_bonus_counted: int
    threshold: int
    verdicts: tuple[Verdict, ...]
    leverage: int | None = None
    margin: Decimal | None = None
    amount: Decimal | None = None

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def reason(self) -> str:
        failed = next((v for v in self.verdicts if not v.passed), None)
        if failed is None:
            return f"entered {self.candidate.side} at score {self.score} >= {self.threshold}"
        return f"{failed.rule}: {failed.detail}"


def score_counted(*, candidate: Candidate, settings: EntrySettings) -> tuple[int, int]:
    """(score the rules compare, TA bonus counted): the bonus counts only when enabled, capped."""
    bonus = min(candidate.ta_bonus, settings.ta_bonus_cap) if settings.use_ta_signals else 0
    return candidate.base_score + bonus, bonus


def threshold_for(side: Side, settings: EntrySettings) -> int:
    return settings.long_threshold if side == Side.LONG else settings.short_threshold


def leverage_allowed(*, wanted: int, market: Market) -> int | None:
    """The largest leverage the market allows that is not above ``wanted``; None if none."""
    allowed = [lev for lev in market.leverages if lev <= wanted]
    return max(allowed) if allowed else None


def entry_plan(
    *, candidate: Candidate, settings: EntrySettings, account: Account, markets: Mapping[str, Market],
    now: datetime, max_signal_age_s: int,
) -> EntryPlan:
    """Evaluate every entry rule for ``candidate``; sizing is filled in when it can be computed."""
    score, bonus = score_counted(candidate=candidate, settings=settings)
    threshold = threshold_for(candidate.side, settings)
    verdicts: list[Verdict] = []

    def check(rule: str, passed: bool, detail: str) -> None:
        verdicts.append(Verdict(rule, passed, detail))

    check("enabled", account.enabled, "trading is enabled" if account.enabled else "trading is disabled")
    check("unlocked", account.lock is None, "no lock" if account.lock is None else f"locked: {account.lock}")
    if candidate.strategy == "scanner":
        check("score", score >= threshold, f"score {score} vs threshold {threshold}")
    else:  # the strategy itself decided; its strength (0-100) is the score for leverage and the log
        check("signal", True, f"{candidate.strategy}: {candidate.signal_reason}")
    age_s = (now - candidate.scanned_at).total_seconds()
    check("fresh_signal", age_s <= max_signal_age_s, f"scanned {age_s:.0f} s ago (limit {max_signal_age_s} s)")
    whitelisted = not settings.coin_whitelist or candidate.symbol in settings.coin_whitelist
    check("whitelist", whitelisted, "allowed" if whitelisted else "not in the whitelist")
    blacklisted = candidate.symbol in settings.coin_blacklist
    check("blacklist", not blacklisted, "blacklisted" if blacklisted else "not blacklisted")
    in_position = candidate.symbol in account.open_symbols
    check("no_open_position", not in_position, "already in a position" if in_position else "flat")
    open_count = len(account.open_symbols)
    check("max_positions", open_count < settings.max_positions,
          f"{open_count} open of at most {settings.max_positions}")

    market = markets.get(candidate.symbol)
    leverage = margin = amount = None
    if market is None:
        check("market", False, "not tradable on the exchange")
        return EntryPlan(candidate, score, bonus, threshold, tuple(verdicts))
    wanted = leverage_suggest(score=score, rules=settings.leverage_rules, max_leverage=settings.max_leverage)
    leverage = leverage_allowed(wanted=wanted, market=market)
    check("leverage", leverage is not None,
          f"{leverage}x (wanted {wanted}x)" if leverage else f"market allows none of <= {wanted}x")
    if candidate.price is None or candidate.price <= 0:
        check("price", False, "no current price")
        return EntryPlan(candidate, score, bonus, threshold, tuple(verdicts), leverage)
    margin = (account.equity * settings.position_size_pct / HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    check("balance", margin > 0 and margin <= account.available,
          f"margin {margin} of available {account.available.quantize(Decimal('0.01'))}")
    if leverage:
        amount = market.amount_round(margin * leverage / candidate.price)
        check("min_amount", amount >= market.min_amount, f"amount {amount} vs minimum {market.min_amount}")
    return EntryPlan(candidate, score, bonus, threshold, tuple(verdicts), leverage, margin, amount)


def candidate_best_side(
    *, symbol: str, long_score: int, short_score: int, long_bonus: int, short_bonus: int,
    scanned_at: datetime, price: Decimal | None, settings: EntrySettings,
) -> Candidate:
    """The side whose counted score stands furthest above (or least below) its threshold."""
    long_candidate = Candidate(symbol, Side.LONG, long_score, long_bonus, scanned_at, price)
    short_candidate = Candidate(symbol, Side.SHORT, short_score, short_bonus, scanned_at, price)
    long_margin = score_counted(candidate=long_candidate, settings=settings)[0] - settings.long_threshold
    short_margin = score_counted(candidate=short_candidate, settings=settings)[0] - settings.short_threshold
    return long_candidate if long_margin >= short_margin else short_candidate
