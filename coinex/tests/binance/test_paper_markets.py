"""Dry-run on Binance USD-M: the paper exchange trades by Binance's rules and fees, so a paper
trade is one Binance would have taken (coinex.paper.markets)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from coinex.dto import OrderSide, OrderType
from coinex.errors import OrderRejected
from coinex.factory import exchange_for_mode
from coinex.paper import PaperConfig, PaperExchange
from coinex.paper.markets import binance_markets_bundled, paper_markets, venue_markets_refresh
from config.bus.client import redis_client
from config.bus.schema import key_venue_markets

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_rules():
    """Each test starts from the bundled rules (a refresh caches Binance's in Redis)."""
    redis_client().delete(key_venue_markets("binance"))
    yield
    redis_client().delete(key_venue_markets("binance"))

PRICES = {"BTCUSDT": Decimal("50000"), "SOLUSDT": Decimal("124.55"), "PEPEUSDT": Decimal("0.00001234")}


def binance_paper(*, taker: str = "0.05", maker: str = "0.02") -> PaperExchange:
    return PaperExchange(price_provider=PRICES.get, markets=paper_markets(venue="binance"), account_name="bn-paper",
                         config=PaperConfig(starting_balance=Decimal("1000"), slippage_pct=Decimal("0"),
                                            taker_fee_pct=Decimal(taker), maker_fee_pct=Decimal(maker)))


def test_the_bundled_rules_cover_the_platform_coins_with_binance_steps():
    markets = binance_markets_bundled()
    assert len(markets) == 29
    sol = markets["SOLUSDT"]
    assert (sol.amount_step, sol.tick_size, sol.min_notional) == (Decimal("1"), Decimal("0.0100"), Decimal("5"))
    pepe = markets["PEPEUSDT"]  # listed as 1000PEPEUSDT: 1000 coins a contract, price per 1000 coins
    assert (pepe.amount_step, pepe.min_amount, pepe.tick_size) == (
        Decimal("1000"), Decimal("1000"), Decimal("0.0000000001"))


def test_a_paper_order_rounds_to_binance_step_and_pays_binance_taker_fee():
    paper = binance_paper()
    order = paper.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("2.81"),
                              client_id="sol-1")
    assert order.filled_amount == Decimal("2")  # Binance trades whole SOL; CoinEx would take 2.81
    assert order.fee == Decimal("2") * Decimal("124.55") * Decimal("0.0005")
    pepe = paper.order_place(symbol="PEPEUSDT", side=OrderSide.BUY, type=OrderType.MARKET,
                             amount=Decimal("1234567"), client_id="pepe-1")
    assert pepe.filled_amount == Decimal("1234000")  # whole 1000PEPE contracts


def test_a_resting_paper_limit_pays_binance_maker_fee_at_a_binance_tick():
    paper = binance_paper(maker="0.02")
    order = paper.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=Decimal("0.0049"),
                              price=Decimal("49000.04"), client_id="btc-limit")
    assert (order.amount, order.price) == (Decimal("0.004"), Decimal("49000.0"))  # step 0.001, tick 0.10
    PRICES["BTCUSDT"] = Decimal("48900")
    try:
        filled = paper.order_by_id(symbol="BTCUSDT", order_id=order.order_id)
    finally:
        PRICES["BTCUSDT"] = Decimal("50000")
    assert filled.filled_amount == Decimal("0.004")
    assert filled.fee == Decimal("0.004") * Decimal("49000") * Decimal("0.0002")


def test_a_paper_order_under_min_notional_fails_as_the_live_adapter_does(client, binance):
    binance.price("BTCUSDT", "50000")
    with pytest.raises(OrderRejected) as live:
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.001"),
                           client_id="tiny-live")
    with pytest.raises(OrderRejected) as paper:  # 0.001 BTC * 50,000 = 50 USDT < 100
        binance_paper().order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET,
                                    amount=Decimal("0.001"), client_id="tiny-paper")
    assert type(paper.value) is type(live.value)
    assert paper.value.code == live.value.code == -4164
    assert binance_paper().positions() == []


def test_coinex_paper_keeps_coinex_rules():
    coinex = paper_markets(venue="coinex")["SOLUSDT"]
    assert (coinex.amount_step, coinex.min_notional) == (Decimal("0.01"), Decimal("0"))


def test_fetched_rules_replace_the_bundled_ones_through_the_real_adapter(client, binance):
    binance.sandbox.account.specs["SOLUSDT"].min_notional = Decimal("7")  # Binance changed a rule
    try:
        assert venue_markets_refresh(venue="binance", client=client) >= 29
    finally:
        binance.sandbox.account.specs["SOLUSDT"].min_notional = Decimal("5")
    markets = paper_markets(venue="binance")
    assert markets["SOLUSDT"].min_notional == Decimal("7")
    assert markets["PEPEUSDT"].amount_step == Decimal("1000")


@override_settings(BINANCE_PAPER_TAKER_FEE_PCT=0.04, BINANCE_PAPER_MAKER_FEE_PCT=0.018)
def test_the_factory_gives_dry_run_on_binance_binance_rules_and_configured_fees():
    exchange = exchange_for_mode(mode="dry-run", venue="binance", price_provider=PRICES.get)
    sol = exchange.market(symbol="SOLUSDT")
    assert (sol.amount_step, sol.min_notional) == (Decimal("1"), Decimal("5"))
    assert (sol.taker_fee_rate, sol.maker_fee_rate) == (Decimal("0.0004"), Decimal("0.00018"))
    coinex = exchange_for_mode(mode="dry-run", venue="coinex", price_provider=PRICES.get).market(symbol="SOLUSDT")
    assert coinex.amount_step == Decimal("0.01")


def test_each_venue_dry_runs_on_its_own_paper_account():
    binance = exchange_for_mode(mode="dry-run", venue="binance", price_provider=PRICES.get)
    coinex = exchange_for_mode(mode="dry-run", venue="coinex", price_provider=PRICES.get)
    binance.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("3"),
                        client_id="own-account-1")
    assert [p.amount for p in binance.positions()] == [Decimal("3")]
    assert coinex.positions() == []  # CoinEx's dry-run book never sees (nor adopts) Binance's paper position
