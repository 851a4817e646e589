"""The allocator across two strategies: each strategy's open margin and risk from the book's records, its own
exposure limit, the shared heat limit, and every refusal in the decision log with its numbers."""

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from coinex.simulator.markets import default_markets
from trader.cycle.rules import Account, Candidate, EntrySettings, entry_plan
from trader.cycle.run import cycle_run
from trader.models import Book, Decision, Side, Trade
from trader.selectors import book_allocation, heat_overview
from trader.services.config import config_get, config_update

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = EntrySettings(long_threshold=45, short_threshold=45, coin_whitelist=(), coin_blacklist=(), max_positions=5,
                         max_leverage=10, leverage_rules={"default": 5}, position_size_pct=D("10"),
                         use_ta_signals=False, ta_bonus_cap=0)
BOOK = Book(mode="dry-run", venue="coinex")


def open_trade(symbol, strategy, *, size, entry, margin, risk_stop=None, exchange_stop=None, mode="dry-run"):
    return Trade.objects.create(correlation_id=f"sig-{symbol}", symbol=symbol, side="long", mode=mode,
                                venue="coinex", size=D(size), entry_price=D(entry), leverage=5, margin=D(margin),
                                opened_at=timezone.now(), strategy=strategy,
                                risk_stop_price=D(risk_stop) if risk_stop else None,
                                stop_loss_price=D(exchange_stop) if exchange_stop else None)


@pytest.mark.django_db
def test_each_strategy_is_allocated_its_own_margin_and_risk_and_the_heat_is_their_sum():
    open_trade("BTCUSDT", "scanner", size="0.004", entry="50000", margin="40", risk_stop="49000")  # risk 4
    open_trade("ETHUSDT", "scanner", size="0.1", entry="3000", margin="60", exchange_stop="2982")  # risk 1.8
    open_trade("SOLUSDT", "supertrend", size="2", entry="150", margin="60")  # sl_pct 3 % at 5x: 0.9 -> 1.8
    open_trade("XRPUSDT", "supertrend", size="100", entry="1", margin="20", mode="live")  # another book
    allocation = book_allocation(book=BOOK, sl_pct=D("3"))
    scanner, supertrend = allocation.strategy("scanner"), allocation.strategy("supertrend")
    assert (scanner.positions, scanner.margin, scanner.risk) == (2, D("100"), D("5.8"))
    assert (supertrend.positions, supertrend.margin, supertrend.risk) == (1, D("60"), D("1.8"))
    heat = heat_overview(book=BOOK, config=config_get(), equity=D("1000"))
    assert (heat["open_risk"], heat["portfolio_heat_pct"]) == (D("7.60"), D("0.76"))
    assert heat["allocation"]["strategies"]["scanner"]["exposure_pct"] == D("10.00")

    # The scanner is at 10 % of equity, supertrend at 6 %: another 10 % of margin passes an 18 % limit only
    # for supertrend.
    account = Account(enabled=True, lock=None, equity=D("1000"), available=D("800"), allocation=allocation)
    settings = dataclasses.replace(SETTINGS, max_strategy_exposure_pct=D(18))

    def plan(strategy):
        candidate = Candidate("BNBUSDT", Side.LONG, 60, 0, NOW, D("600"), strategy=strategy, signal_reason="test")
        return entry_plan(candidate=candidate, settings=settings, account=account, markets=default_markets(),
                          now=NOW, max_signal_age_s=600)

    refused = plan("scanner")
    assert refused.reason == "strategy_exposure: scanner margin 100.00 + 100.00 is 20.00% of equity (at most 18%)"
    assert plan("supertrend").passed
    # The heat limit is shared: both strategies' open risk counts against either's entry.
    account.allocation.add(strategy="supertrend", margin=D("10"), notional=D("50"), risk=D("53"))
    assert plan("supertrend").reason.startswith("portfolio_heat: open risk 60.60 + 2.99 is 6.36% of equity")


@pytest.mark.django_db
def test_a_heat_refusal_is_a_decision_with_its_numbers(market, paper, dry_run, operator):
    config_update(changes={"max_portfolio_heat_pct": "0.1"}, actor=operator)
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    assert not Trade.objects.exists()
    decision = Decision.objects.get()
    # 5 % of 1000 = 50 margin at 5x: 0.005 BTC, stop 0.6 % below: 1.50 at risk = 0.15 % of equity.
    assert (decision.outcome, decision.reason) == (
        "skipped", "portfolio_heat: open risk 0.00 + 1.50 is 0.15% of equity (at most 0.10%)")
