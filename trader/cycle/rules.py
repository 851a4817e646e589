"""Entry decisions: which scanned candidates may open a position, and exactly why not.

Pure: every input is passed in (the config snapshot, the account, the markets), so the
live cycle and the backtester decide identically and the decision log can show each
rule's verdict. Rules are evaluated in a fixed order and all of them are recorded; the
first one that fails is the reason given. Sizing (``trader.cycle.sizing``) and the risk
limits on it (risk per trade, exposure per strategy and in total, account leverage,
portfolio heat from ``trader.cycle.allocator``, the venue's minimum amount and notional)
are rules here like the others, each verdict with its numbers (docs/RISK.md). The results
are named tuples: immutable like frozen dataclasses and several times cheaper to build
(the backtester asks for a plan for every candidate).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from coinex.dto import Market
from coinex.venue import VenueStatus
from ta.engine.scoring import leverage_suggest
from ta.engine.structure.regime import UNCERTAIN
from trader.cycle.allocator import Allocation, pct_of_equity
from trader.cycle.sizing import RISK_PER_TRADE_MAX_PCT, position_size, stop_from_config, stop_is_valid
from trader.models import Side, SizingMode

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ONE = Decimal(1)


class Candidate(NamedTuple):
    """One symbol's best side from the latest scan (immutable)."""

    symbol: str
    side: Side
    base_score: int
    ta_bonus: int
    scanned_at: datetime
    price: Decimal | None
    strategy: str = "scanner"
    signal_reason: str = ""
    # The signal's stop (a strategy's get_stop_loss, the structure engine's for the scanner); None: sl_pct's.
    stop: Decimal | None = None
    regime: str = ""  # the coin's regime when the regime mapping chose the strategy ("" otherwise)


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
    # Sizing and the risk limits (trader.cycle.sizing, trader.cycle.allocator); defaults = the config's.
    sizing_mode: str = SizingMode.MARGIN_PCT
    risk_per_trade_pct: Decimal = Decimal("1.0")
    sl_pct: Decimal = Decimal("3.0")
    max_strategy_exposure_pct: Decimal = Decimal(25)
    max_total_exposure_pct: Decimal = Decimal(100)
    max_portfolio_heat_pct: Decimal = Decimal(6)
    uncertain_risk_factor: Decimal = Decimal(0)


@dataclass
class Account:
    """The account as the cycle sees it; ``open_symbols`` grows as the cycle enters."""

    enabled: bool
    lock: str | None
    equity: Decimal
    available: Decimal
    open_symbols: set[str] = field(default_factory=set)
    # What the open positions hold per strategy (margin, notional, risk to stops); grows as the cycle enters.
    allocation: Allocation = field(default_factory=Allocation)
    # The venue's own status (live and dry-run cycles); None where there is no venue (backtests).
    venue: VenueStatus | None = None


class Verdict(NamedTuple):
    """One rule's outcome (immutable)."""

    rule: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "passed": self.passed, "detail": self.detail}


# A rule's outcome with its detail not yet written: (rule, passed, template, values); the detail is
# ``template.format(*values)``. A plain tuple: the backtester builds eleven for every candidate.
Check = tuple[str, bool, str, tuple]


class EntryPlan(NamedTuple):
    """The decision for one candidate: its scores, every rule's check, and what to send (immutable).

    The checks keep each detail as a template and its values: the decision log reads ``verdicts``
    (details written then), while a backtest asks only ``passed`` for every candidate."""

    candidate: Candidate
    score: int
    ta_bonus_counted: int
    threshold: int
    checks: tuple[Check, ...]
    leverage: int | None = None
    margin: Decimal | None = None
    amount: Decimal | None = None
    stop: Decimal | None = None  # the stop the position's risk is measured to
    risk: Decimal | None = None  # loss at that stop (quote asset, before fees)
    notional: Decimal | None = None
    sizing_mode: str = SizingMode.MARGIN_PCT

    @property
    def risk_stop_price(self) -> Decimal | None:
        """The stop a risk-sized position keeps (its exits use it instead of sl_pct); None when sized by margin."""
        return self.stop if self.sizing_mode == SizingMode.RISK else None

    @property
    def verdicts(self) -> tuple[Verdict, ...]:
        return tuple(Verdict(rule, passed, template.format(*values))
                     for rule, passed, template, values in self.checks)

    @property
    def passed(self) -> bool:
        return all(map(_CHECK_PASSED, self.checks))

    @property
    def reason(self) -> str:
        failed = next((v for v in self.verdicts if not v.passed), None)
        if failed is None:
            return f"entered {self.candidate.side} at score {self.score} >= {self.threshold}"
        return f"{failed.rule}: {failed.detail}"


_CHECK_PASSED = itemgetter(1)  # Check.passed, read without a Python-level loop


def score_counted(*, candidate: Candidate, settings: EntrySettings) -> tuple[int, int]:
    """(score the rules compare, TA bonus counted): the bonus counts only when enabled, capped."""
    bonus = _bonus_counted(candidate.ta_bonus, settings)
    return candidate.base_score + bonus, bonus


def _bonus_counted(ta_bonus: int, settings: EntrySettings) -> int:
    return min(ta_bonus, settings.ta_bonus_cap) if settings.use_ta_signals else 0


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
    symbol = candidate.symbol
    if candidate.strategy == "scanner":
        decided = ("score", score >= threshold, "score {} vs threshold {}", (score, threshold))
    else:  # the strategy itself decided; its strength (0-100) is the score for leverage and the log
        decided = ("signal", True, "{}: {}", (candidate.strategy, candidate.signal_reason))
    age_s = (now - candidate.scanned_at).total_seconds()
    whitelisted = not settings.coin_whitelist or symbol in settings.coin_whitelist
    blacklisted = symbol in settings.coin_blacklist
    in_position = symbol in account.open_symbols
    open_count = len(account.open_symbols)
    checks: list[Check] = [
        ("enabled", account.enabled, "trading is enabled" if account.enabled else "trading is disabled", ()),
        ("unlocked", account.lock is None, "no lock" if account.lock is None else "locked: {}", (account.lock,)),
    ]
    if account.venue is not None:  # a closed, suspended, reduce-only or unknown venue/market takes no entry
        refusal = account.venue.entry_refusal(symbol=symbol)
        checks.append(("venue", refusal is None, "{} is open" if refusal is None else "{}",
                       (account.venue.venue,) if refusal is None else (refusal,)))
    checks += [
        decided,
        ("fresh_signal", age_s <= max_signal_age_s, "scanned {:.0f} s ago (limit {} s)", (age_s, max_signal_age_s)),
        ("whitelist", whitelisted, "allowed" if whitelisted else "not in the whitelist", ()),
        ("blacklist", not blacklisted, "blacklisted" if blacklisted else "not blacklisted", ()),
        ("no_open_position", not in_position,
         "already in a position or an entry order" if in_position else "flat", ()),
        ("max_positions", open_count < settings.max_positions, "{} open of at most {}",
         (open_count, settings.max_positions)),
    ]

    market = markets.get(symbol)
    if market is None:
        checks.append(("market", False, "not tradable on the exchange", ()))
        return EntryPlan(candidate, score, bonus, threshold, tuple(checks))
    wanted = leverage_suggest(score=score, rules=settings.leverage_rules, max_leverage=settings.max_leverage)
    leverage = leverage_allowed(wanted=wanted, market=market)
    checks.append(("leverage", leverage is not None,
                   "{}x (wanted {}x)" if leverage else "market allows none of <= {1}x", (leverage, wanted)))
    if candidate.price is None or candidate.price <= 0:
        checks.append(("price", False, "no current price", ()))
        return EntryPlan(candidate, score, bonus, threshold, tuple(checks), leverage)
    if not leverage:
        return EntryPlan(candidate, score, bonus, threshold, tuple(checks), leverage)
    return _sized_plan(plan=EntryPlan(candidate, score, bonus, threshold, tuple(checks), leverage),
                       settings=settings, account=account, market=market)


def regime_scale(*, candidate: Candidate, settings: EntrySettings) -> Decimal:
    """The factor new risk is multiplied by: ``uncertain_risk_factor`` in the uncertain regime, else 1."""
    return settings.uncertain_risk_factor if candidate.regime == UNCERTAIN else ONE


def _sized_plan(*, plan: EntryPlan, settings: EntrySettings, account: Account, market: Market) -> EntryPlan:
    """``plan`` with its size (trader.cycle.sizing) and the risk limits checked on it, each with its numbers."""
    candidate, leverage, checks = plan.candidate, plan.leverage, list(plan.checks)
    price, side, equity = candidate.price, candidate.side, account.equity
    scale = regime_scale(candidate=candidate, settings=settings)
    if candidate.regime == UNCERTAIN:
        checks.append(("regime", scale > 0, "uncertain regime: new risk x {}", (scale,)))
    stop = candidate.stop
    if not stop_is_valid(side=side, price=price, stop=stop):
        stop = stop_from_config(side=side, price=price, sl_pct=settings.sl_pct, leverage=leverage)
    sizing = position_size(mode=settings.sizing_mode, side=side, price=price, stop=stop, equity=equity,
                           leverage=leverage, market=market, position_size_pct=settings.position_size_pct,
                           risk_per_trade_pct=settings.risk_per_trade_pct, scale=scale)
    margin, amount, notional, risk = sizing.margin, sizing.amount, sizing.notional, sizing.risk
    allocation = account.allocation
    mine = allocation.strategy(candidate.strategy)
    total = allocation.total
    risk_pct = pct_of_equity(risk, equity)
    strategy_pct = pct_of_equity(mine.margin + margin, equity)
    total_pct = pct_of_equity(total.margin + margin, equity)
    account_leverage = pct_of_equity(total.notional + notional, equity) / HUNDRED
    heat_pct = pct_of_equity(total.risk + risk, equity)
    checks += [
        ("risk_per_trade", risk_pct <= RISK_PER_TRADE_MAX_PCT,
         "risk {} to stop {:.8g} is {:.2f}% of equity (at most {}%)",
         (risk.quantize(CENT), float(stop), risk_pct, RISK_PER_TRADE_MAX_PCT)),
        ("balance", margin > 0 and margin <= account.available, "margin {} of available {}",
         (margin, account.available.quantize(CENT))),
        ("strategy_exposure", strategy_pct <= settings.max_strategy_exposure_pct,
         "{} margin {} + {} is {:.2f}% of equity (at most {}%)",
         (candidate.strategy, mine.margin.quantize(CENT), margin, strategy_pct, settings.max_strategy_exposure_pct)),
        ("total_exposure", total_pct <= settings.max_total_exposure_pct,
         "margin {} + {} is {:.2f}% of equity (at most {}%)",
         (total.margin.quantize(CENT), margin, total_pct, settings.max_total_exposure_pct)),
        ("account_leverage", account_leverage <= settings.max_leverage,
         "notional {} + {} is {:.2f}x equity (at most {}x)",
         (total.notional.quantize(CENT), notional.quantize(CENT), account_leverage, settings.max_leverage)),
        ("portfolio_heat", heat_pct <= settings.max_portfolio_heat_pct,
         "open risk {} + {} is {:.2f}% of equity (at most {}%)",
         (total.risk.quantize(CENT), risk.quantize(CENT), heat_pct, settings.max_portfolio_heat_pct)),
        ("min_amount", amount >= market.min_amount, "amount {} vs minimum {}", (amount, market.min_amount)),
    ]
    if market.min_notional:
        checks.append(("min_notional", notional >= market.min_notional, "order value {} vs minimum {} USDT",
                       (notional.quantize(CENT), market.min_notional)))
    return plan._replace(checks=tuple(checks), margin=margin, amount=amount, stop=stop, risk=risk,
                         notional=notional, sizing_mode=settings.sizing_mode)


def candidate_best_side(
    *, symbol: str, long_score: int, short_score: int, long_bonus: int, short_bonus: int,
    scanned_at: datetime, price: Decimal | None, settings: EntrySettings,
) -> Candidate:
    """The side whose counted score stands furthest above (or least below) its threshold (as
    ``score_counted``; only the chosen side's candidate is built)."""
    long_margin = long_score + _bonus_counted(long_bonus, settings) - settings.long_threshold
    short_margin = short_score + _bonus_counted(short_bonus, settings) - settings.short_threshold
    if long_margin >= short_margin:
        return Candidate(symbol, Side.LONG, long_score, long_bonus, scanned_at, price)
    return Candidate(symbol, Side.SHORT, short_score, short_bonus, scanned_at, price)
