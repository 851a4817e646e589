"""Risk sizing and every risk limit of the entry rules, each refusal with its numbers (seed tradefinder section 5)."""

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal as D

from coinex.simulator.markets import default_markets
from trader.cycle.allocator import Allocation
from trader.cycle.exits import exit_decide, protective_levels
from trader.cycle.rules import Account, Candidate, EntrySettings, entry_plan
from trader.cycle.sizing import position_size
from trader.models import CloseReason, Side, SizingMode

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
MARKETS = default_markets()
BASE = EntrySettings(long_threshold=45, short_threshold=45, coin_whitelist=(), coin_blacklist=(), max_positions=5,
                     max_leverage=10, leverage_rules={"default": 5}, position_size_pct=D("10"), use_ta_signals=False,
                     ta_bonus_cap=0)
RISK = dataclasses.replace(BASE, sizing_mode=SizingMode.RISK, risk_per_trade_pct=D("2"))


def btc(price="100000", stop=None, **fields):
    return Candidate("BTCUSDT", Side.LONG, 60, 0, NOW, D(price), stop=D(stop) if stop else None, **fields)


def plan_for(candidate, settings=BASE, *, equity="1000", available=None, allocation=None, markets=MARKETS):
    account = Account(enabled=True, lock=None, equity=D(equity), available=D(available or equity),
                      allocation=allocation or Allocation())
    return entry_plan(candidate=candidate, settings=settings, account=account, markets=markets, now=NOW,
                      max_signal_age_s=600)


def failed(plan):
    return {v.rule: v.detail for v in plan.verdicts if not v.passed}


def test_the_seeds_worked_example_sizes_0_03_btc_for_a_notional_of_3000():
    sizing = position_size(mode=SizingMode.RISK, side=Side.LONG, price=D("100000"), stop=D("98000"), equity=D("3000"),
                           leverage=5, market=MARKETS["BTCUSDT"], position_size_pct=D("5"), risk_per_trade_pct=D("2"))
    assert (sizing.amount, sizing.notional, sizing.risk) == (D("0.03"), D("3000"), D("60"))
    # The same through the entry rules: the signal's stop, a 2 % risk of 3000, every limit passed.
    plan = plan_for(btc(stop="98000"), RISK, equity="3000")
    assert plan.passed, plan.reason
    assert (plan.amount, plan.notional, plan.stop, plan.risk, plan.margin) == (
        D("0.03"), D("3000"), D("98000"), D("60"), D("600"))
    assert plan.risk_stop_price == D("98000")


def test_margin_pct_stays_the_default_and_keeps_no_stop_of_its_own():
    plan = plan_for(btc(stop="98000"))
    # 10 % of 1000 = 100 margin at 5x -> 500 / 100000 = 0.005 BTC, whatever the signal's stop.
    assert (plan.sizing_mode, plan.margin, plan.amount) == (SizingMode.MARGIN_PCT, D("100"), D("0.005"))
    assert plan.risk_stop_price is None


def test_risk_sizing_falls_back_to_the_configs_stop_when_the_signal_has_none_or_a_wrong_one():
    for stop in (None, "101000"):  # none, or above a long's entry
        plan = plan_for(btc(stop=stop), RISK, equity="3000")
        # sl_pct 3 % of margin at 5x: 0.6 % below 100000 = 99400; 60 / 600 = 0.1 BTC.
        assert (plan.stop, plan.amount) == (D("99400"), D("0.1"))


def test_risk_per_trade_refuses_an_entry_that_risks_more_than_3_pct_of_equity():
    # Margin 50 % of equity with a 10 % stop of margin risks 5 % of equity.
    settings = dataclasses.replace(BASE, position_size_pct=D("50"), sl_pct=D("10"), max_strategy_exposure_pct=D(100))
    plan = plan_for(btc(), settings)
    assert failed(plan) == {"risk_per_trade": "risk 50.00 to stop 98000 is 5.00% of equity (at most 3%)"}
    assert plan.reason.startswith("risk_per_trade:")


def test_max_exposure_per_strategy_counts_only_that_strategys_open_margin():
    allocation = Allocation()
    allocation.add(strategy="scanner", margin=D("200"), notional=D("1000"), risk=D("6"))
    plan = plan_for(btc(), allocation=allocation)
    assert failed(plan) == {"strategy_exposure": "scanner margin 200.00 + 100.00 is 30.00% of equity (at most 25%)"}
    elsewhere = Allocation()
    elsewhere.add(strategy="supertrend", margin=D("200"), notional=D("1000"), risk=D("6"))
    assert plan_for(btc(), allocation=elsewhere).passed


def test_max_total_exposure_counts_every_strategy():
    allocation = Allocation()
    allocation.add(strategy="supertrend", margin=D("200"), notional=D("1000"), risk=D("6"))
    allocation.add(strategy="mean_reversion", margin=D("220"), notional=D("1000"), risk=D("6"))
    settings = dataclasses.replace(BASE, max_total_exposure_pct=D(50))
    plan = plan_for(btc(), settings, allocation=allocation)
    assert failed(plan) == {"total_exposure": "margin 420.00 + 100.00 is 52.00% of equity (at most 50%)"}


def test_the_leverage_cap_holds_for_the_account_when_it_was_lowered_under_open_positions():
    allocation = Allocation()  # opened at 10x before the cap was lowered to 4x
    allocation.add(strategy="supertrend", margin=D("400"), notional=D("4000"), risk=D("12"))
    settings = dataclasses.replace(BASE, max_leverage=4)
    plan = plan_for(btc(), settings, allocation=allocation)
    assert plan.leverage == 3  # the position itself: the largest step the market allows under the cap
    assert failed(plan) == {"account_leverage": "notional 4000.00 + 300.00 is 4.30x equity (at most 4x)"}


def test_portfolio_heat_refuses_new_risk_above_the_limit():
    allocation = Allocation()
    allocation.add(strategy="supertrend", margin=D("50"), notional=D("250"), risk=D("58"))
    plan = plan_for(btc(), allocation=allocation)
    assert failed(plan) == {"portfolio_heat": "open risk 58.00 + 3.00 is 6.10% of equity (at most 6%)"}


def test_the_venues_min_notional_refuses_a_too_small_order():
    markets = dict(MARKETS, BTCUSDT=dataclasses.replace(MARKETS["BTCUSDT"], min_notional=D("1000")))
    plan = plan_for(btc(), markets=markets)
    assert failed(plan) == {"min_notional": "order value 500.00 vs minimum 1000 USDT"}


def test_the_uncertain_regime_scales_new_risk_by_its_factor_or_opens_nothing():
    plain = plan_for(btc(stop="98000"), RISK, equity="3000")
    scaled = plan_for(btc(stop="98000", regime="uncertain"),
                      dataclasses.replace(RISK, uncertain_risk_factor=D("0.5")), equity="3000")
    assert scaled.passed and (plain.amount, scaled.amount) == (D("0.03"), D("0.015"))
    nothing = plan_for(btc(stop="98000", regime="uncertain"), RISK, equity="3000")
    assert failed(nothing) == {"regime": "uncertain regime: new risk x 0",
                               "balance": "margin 0.00 of available 3000.00",
                               "min_amount": "amount 0.0000 vs minimum 0.0001"}
    assert nothing.reason == "regime: uncertain regime: new risk x 0"


def test_a_risk_sized_position_exits_at_its_own_stop_not_at_sl_pct():
    common = dict(side=Side.LONG, entry_price=D("100000"), leverage=5, best_price=None, tp_pct=D("50"),
                  sl_pct=D("3"), trailing_stop=False)
    assert protective_levels(**common, stop_price=D("98000")).stop_loss == D("98000")
    # 99000 is past the sl_pct stop (99400) but above the position's own stop: it holds.
    assert exit_decide(**common, price=D("99000"), stop_price=D("98000")).reason is None
    assert exit_decide(**common, price=D("99000")).reason == CloseReason.STOP_LOSS
    assert exit_decide(**common, price=D("97990"), stop_price=D("98000")).reason == CloseReason.STOP_LOSS
