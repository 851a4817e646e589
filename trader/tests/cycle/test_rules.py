"""Entry rules as the decision log shows them: every rule's verdict and its detail, in order."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from coinex.simulator.markets import default_markets
from coinex.venue import VenueState, VenueStatus
from trader.cycle.rules import Account, Candidate, EntrySettings, candidate_best_side, entry_plan
from trader.models import Side

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = EntrySettings(long_threshold=45, short_threshold=45, coin_whitelist=(), coin_blacklist=("DOGEUSDT",),
                         max_positions=2, max_leverage=10, leverage_rules={"60+": 7, "default": 5},
                         position_size_pct=D("10"), use_ta_signals=True, ta_bonus_cap=10)


def plan_for(candidate, *, account=None, markets=None):
    account = account or Account(enabled=True, lock=None, equity=D("1000.456"), available=D("900.129"))
    return entry_plan(candidate=candidate, settings=SETTINGS, account=account,
                      markets=default_markets() if markets is None else markets, now=NOW, max_signal_age_s=600)


def test_a_passing_plan_records_every_rule_with_its_detail():
    candidate = Candidate("BTCUSDT", Side.LONG, 55, 8, NOW - timedelta(seconds=90), D("60000"))
    plan = plan_for(candidate)
    assert plan.passed
    # Score 63 asks for 7x ("60+"); BTCUSDT's market offers 5x as the largest step below it.
    assert (plan.score, plan.ta_bonus_counted, plan.leverage, plan.margin, plan.amount) == (63, 8, 5, D("100.04"),
                                                                                           D("0.0083"))
    assert [v.as_dict() for v in plan.verdicts] == [
        {"rule": "enabled", "passed": True, "detail": "trading is enabled"},
        {"rule": "unlocked", "passed": True, "detail": "no lock"},
        {"rule": "score", "passed": True, "detail": "score 63 vs threshold 45"},
        {"rule": "fresh_signal", "passed": True, "detail": "scanned 90 s ago (limit 600 s)"},
        {"rule": "whitelist", "passed": True, "detail": "allowed"},
        {"rule": "blacklist", "passed": True, "detail": "not blacklisted"},
        {"rule": "no_open_position", "passed": True, "detail": "flat"},
        {"rule": "max_positions", "passed": True, "detail": "0 open of at most 2"},
        {"rule": "leverage", "passed": True, "detail": "5x (wanted 7x)"},
        # The stop: sl_pct 3 % of margin at 5x = 0.6 % below the entry; 0.0083 BTC x 360 = 2.99 at risk.
        {"rule": "risk_per_trade", "passed": True, "detail": "risk 2.99 to stop 59640 is 0.30% of equity (at most 3%)"},
        {"rule": "balance", "passed": True, "detail": "margin 100.04 of available 900.13"},
        {"rule": "strategy_exposure", "passed": True,
         "detail": "scanner margin 0.00 + 100.04 is 10.00% of equity (at most 25%)"},
        {"rule": "total_exposure", "passed": True, "detail": "margin 0.00 + 100.04 is 10.00% of equity (at most 100%)"},
        {"rule": "account_leverage", "passed": True, "detail": "notional 0.00 + 498.00 is 0.50x equity (at most 10x)"},
        {"rule": "portfolio_heat", "passed": True, "detail": "open risk 0.00 + 2.99 is 0.30% of equity (at most 6%)"},
        {"rule": "min_amount", "passed": True, "detail": "amount 0.0083 vs minimum 0.0001"},
    ]
    assert plan.reason == "entered long at score 63 >= 45"


def test_the_first_failing_rule_is_the_reason_and_every_failure_is_recorded():
    candidate = Candidate("DOGEUSDT", Side.SHORT, 30, 0, NOW - timedelta(seconds=700), D("0.1"))
    account = Account(enabled=False, lock="emergency stop", equity=D("1000"), available=D("5"),
                      open_symbols={"BTCUSDT", "DOGEUSDT"})
    plan = plan_for(candidate, account=account)
    assert not plan.passed
    failed = {v.rule: v.detail for v in plan.verdicts if not v.passed}
    assert failed == {
        "enabled": "trading is disabled", "unlocked": "locked: emergency stop", "score": "score 30 vs threshold 45",
        "fresh_signal": "scanned 700 s ago (limit 600 s)", "blacklist": "blacklisted",
        "no_open_position": "already in a position or an entry order", "max_positions": "2 open of at most 2",
        "balance": "margin 100.00 of available 5.00",
    }
    assert plan.reason == "enabled: trading is disabled"


def test_an_unknown_market_and_a_missing_price_stop_the_plan_with_their_reason():
    unknown = plan_for(Candidate("NOPEUSDT", Side.LONG, 60, 0, NOW, D("1")))
    assert unknown.reason == "market: not tradable on the exchange" and unknown.amount is None
    no_price = plan_for(Candidate("BTCUSDT", Side.LONG, 60, 0, NOW, None))
    assert no_price.reason == "price: no current price" and no_price.leverage == 5


def test_a_lock_with_braces_is_shown_as_written():
    account = Account(enabled=True, lock="manual {review}", equity=D("1000"), available=D("1000"))
    plan = plan_for(Candidate("BTCUSDT", Side.LONG, 60, 0, NOW, D("60000")), account=account)
    assert plan.reason == "unlocked: locked: manual {review}"


def test_best_side_counts_the_capped_bonus_against_each_threshold():
    best = candidate_best_side(symbol="ETHUSDT", long_score=40, short_score=44, long_bonus=30, short_bonus=0,
                               scanned_at=NOW, price=D("3000"), settings=SETTINGS)
    assert (best.side, best.base_score, best.ta_bonus) == (Side.LONG, 40, 30)  # 40 + 10 (capped) beats 44
    tie = candidate_best_side(symbol="ETHUSDT", long_score=44, short_score=44, long_bonus=0, short_bonus=0,
                              scanned_at=NOW, price=D("3000"), settings=SETTINGS)
    assert tie.side == Side.LONG  # a tie goes to the long side, as before


def test_a_venue_that_is_not_open_refuses_entries_with_its_reason():
    candidate = Candidate("BTCUSDT", Side.LONG, 55, 8, NOW - timedelta(seconds=90), D("60000"))
    open_venue = VenueStatus(venue="binance", state=VenueState.OPEN, reason="ping ok",
                             markets={"BTCUSDT": VenueState.OPEN})
    account = Account(enabled=True, lock=None, equity=D("1000"), available=D("900"), venue=open_venue)
    assert plan_for(candidate, account=account).passed
    reduce_only = VenueStatus(venue="binance", state=VenueState.OPEN, reason="ping ok",
                              markets={"BTCUSDT": VenueState.REDUCE_ONLY},
                              market_reasons={"BTCUSDT": "exchangeInfo status PRE_DELIVERING"})
    account = Account(enabled=True, lock=None, equity=D("1000"), available=D("900"), venue=reduce_only)
    plan = plan_for(candidate, account=account)
    assert not plan.passed
    assert plan.reason == "venue: BTCUSDT on binance is reduce_only: exchangeInfo status PRE_DELIVERING"
    ceased = VenueStatus(venue="coinex", state=VenueState.CLOSED, reason="CoinEx lists no futures market")
    account = Account(enabled=True, lock=None, equity=D("1000"), available=D("900"), venue=ceased)
    assert plan_for(candidate, account=account).reason == "venue: coinex is closed: CoinEx lists no futures market"
