"""Dry-run on the Binance USD-M venue: the cycle's paper trades follow Binance's rules and fees.

The cycle picks its exchange through the factory from the config's venue, as in production.
"""

from decimal import Decimal as D

import pytest

from trader.cycle.run import cycle_run
from trader.models import Decision, Trade
from trader.services.config import config_update
from trader.services.status import trader_mode_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def binance_dry_run(operator, settings):
    settings.COINEX_PAPER_SLIPPAGE_PCT = 0
    config_update(changes={"venue": "binance"}, actor=operator)  # while paused, as a venue change must be
    trader_mode_set(mode="dry-run", actor=operator)


def test_a_dry_run_entry_on_binance_is_sized_rounded_and_charged_by_binance_rules(market, binance_dry_run):
    market.scan("SOLUSDT", long=65, price="124.55")
    log = cycle_run()
    assert log.outcome == "ok", log.errors
    trade = Trade.objects.get()
    # Margin 5 % of 1,000 USDT at 7x (Binance allows 1-100x on SOL): 350 / 124.55 = 2.81 SOL,
    # and Binance's SOL contract steps in whole coins (CoinEx's would take 2.81).
    assert (trade.venue, trade.leverage, trade.size) == ("binance", 7, D("2"))
    assert trade.fees == D("2") * D("124.55") * D("0.0005")  # Binance's taker fee, 0.05 %


def test_an_entry_under_binance_min_notional_is_refused_with_the_reason_logged(market, binance_dry_run, operator):
    config_update(changes={"position_size_pct": "1"}, actor=operator)
    market.scan("BTCUSDT", long=65, price="50000")
    log = cycle_run()
    assert log.outcome == "ok", log.errors
    assert not Trade.objects.exists()
    decision = Decision.objects.get(symbol="BTCUSDT")
    # 10 USDT margin at 7x buys 0.001 BTC: 50 USDT, under Binance's 100 USDT minimum for BTCUSDT.
    assert decision.outcome == "skipped"
    assert decision.reason == "min_notional: order value 50.00 vs minimum 100 USDT"


def test_the_hourly_refresh_caches_binance_rules_in_dry_run_on_binance_only(market, operator, settings, redis_conn):
    from coinex.paper.markets import paper_markets
    from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer
    from trader.services.control import paper_markets_refresh

    with BinanceSandboxServer(sandbox=BinanceSandbox(api_key="K" * 20, secret_key="S" * 32)) as server:
        server.sandbox.account.specs["SOLUSDT"].min_notional = D("6")  # Binance changed a rule
        settings.BINANCE_FUTURES_BASE_URL = server.base_url
        assert paper_markets_refresh() == 0  # paused: nothing to fetch
        config_update(changes={"venue": "binance"}, actor=operator)
        trader_mode_set(mode="dry-run", actor=operator)
        assert paper_markets_refresh() >= 29
    assert paper_markets(venue="binance")["SOLUSDT"].min_notional == D("6")
    assert paper_markets_refresh() == 0  # the server is gone: logged, and the cached rules stay in force
    assert paper_markets(venue="binance")["SOLUSDT"].min_notional == D("6")
