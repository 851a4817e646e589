"""The simulated futures account against hand-computed cases (SOLUSDT rules: tick 0.001,
amount precision 2, minimum 0.05; maker 0.03 %, taker 0.05 %; maintenance margin 0.5 %)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from coinex.dto import MarginMode, OrderSide, OrderStatus, OrderType, PositionSide
from coinex.errors import ExchangeTemporaryError, OrderRejected
from coinex.simulator.engine import SimulatedAccount
from coinex.simulator.markets import default_markets
from coinex.simulator.state import SimState, state_from_json, state_to_json

SYMBOL = "SOLUSDT"
D = Decimal


def account(*, wallet: str = "1000", slippage: str = "0", leverage: int = 10,
            mode: MarginMode = MarginMode.ISOLATED) -> SimulatedAccount:
    engine = SimulatedAccount(state=SimState(wallet=D(wallet)), markets=default_markets(),
                              clock=lambda: datetime(2026, 3, 1, tzinfo=UTC), slippage_rate=D(slippage))
    engine.price_update(symbol=SYMBOL, price=D("100"))
    engine.leverage_set(symbol=SYMBOL, leverage=leverage, margin_mode=mode)
    return engine


def market(engine: SimulatedAccount, side: OrderSide, amount: str, client_id: str = "c"):
    return engine.order_place(symbol=SYMBOL, side=side, type=OrderType.MARKET, amount=D(amount), price=None,
                              client_id=client_id)


def test_long_pnl_fees_and_margin():
    engine = account()
    order = market(engine, OrderSide.BUY, "10")
    assert order.fee == D("0.5")  # 100 * 10 * 0.05 %
    balance = engine.balance()
    assert (balance.margin, balance.available) == (D("100"), D("899.5"))  # 1000 notional / 10x
    engine.price_update(symbol=SYMBOL, price=D("105"))
    assert engine.balance().unrealized_pnl == D("50")
    assert engine.balance().equity == D("1049.5")
    close = engine.position_close(symbol=SYMBOL, amount=None, client_id="x")
    assert (close.realized_pnl, close.fee) == (D("50"), D("0.525"))
    assert engine.balance().equity == D("1048.975")
    assert engine.positions() == []


def test_short_pnl():
    engine = account()
    market(engine, OrderSide.SELL, "10")
    engine.price_update(symbol=SYMBOL, price=D("90"))
    position = engine.position(SYMBOL)
    assert position.side == PositionSide.SHORT and position.unrealized_pnl == D("100")
    assert position.pnl_pct_of_margin == D("100")


def test_adding_to_a_position_averages_the_entry():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    engine.price_update(symbol=SYMBOL, price=D("110"))
    market(engine, OrderSide.BUY, "10")
    position = engine.position(SYMBOL)
    assert (position.amount, position.entry_price, position.margin) == (D("20"), D("105"), D("210"))


def test_slippage_moves_market_fills_against_the_taker():
    engine = account(slippage="0.001")
    assert market(engine, OrderSide.BUY, "1").filled_value == D("100.1")
    engine.position_close(symbol=SYMBOL, amount=None, client_id="x")
    assert engine.order_dto(engine.orders_by_client_id(symbol=SYMBOL, client_id="x")[0]).average_price == D("99.9")


def test_a_sell_larger_than_the_long_flips_it():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    engine.price_update(symbol=SYMBOL, price=D("110"))
    order = market(engine, OrderSide.SELL, "15")
    assert order.realized_pnl == D("100")  # (110 - 100) * 10 on the closed long
    position = engine.position(SYMBOL)
    assert (position.side, position.amount, position.entry_price, position.margin) == (
        PositionSide.SHORT, D("5"), D("110"), D("55"))
    assert engine.state.wallet == D("1098.675")  # 1000 - 0.5 + 100 - 0.825


def test_close_position_never_flips():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    order = engine.position_close(symbol=SYMBOL, amount=D("25"), client_id="x")
    assert order.filled_amount == D("10") and engine.positions() == []


def test_take_profit_fires_at_its_price():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    engine.take_profit_set(symbol=SYMBOL, price=D("110"))
    assert engine.price_update(symbol=SYMBOL, price=D("109.999")) == []
    (fill,) = engine.price_update(symbol=SYMBOL, price=D("110"))
    assert fill.client_id.startswith("tp-") and fill.realized_pnl == D("100") and fill.fee == D("0.55")
    assert engine.state.wallet == D("1098.95")


def test_stop_loss_fires_on_a_short():
    engine = account()
    market(engine, OrderSide.SELL, "10")
    engine.stop_loss_set(symbol=SYMBOL, price=D("103"))
    (fill,) = engine.price_update(symbol=SYMBOL, price=D("103"))
    assert fill.client_id.startswith("sl-") and fill.realized_pnl == D("-30")
    assert engine.state.wallet == D("968.985")  # 1000 - 0.5 - 30 - 0.515


def test_stops_on_the_wrong_side_are_rejected():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    with pytest.raises(OrderRejected):
        engine.stop_loss_set(symbol=SYMBOL, price=D("101"))
    with pytest.raises(OrderRejected):
        engine.take_profit_set(symbol=SYMBOL, price=D("99"))


def test_trailing_stop_follows_the_high_and_fires_on_the_pullback():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    engine.trailing_stop_set(symbol=SYMBOL, callback_pct=D("5"))
    assert engine.position(SYMBOL).stop_loss_price == D("95")
    engine.price_update(symbol=SYMBOL, price=D("110"))
    assert engine.position(SYMBOL).stop_loss_price == D("104.5")  # 110 - 5 %
    assert engine.price_update(symbol=SYMBOL, price=D("105")) == []
    (fill,) = engine.price_update(symbol=SYMBOL, price=D("104.5"))
    assert fill.client_id.startswith("trail-") and fill.realized_pnl == D("45")
    assert engine.state.wallet == D("1043.9775")  # 1000 - 0.5 + 45 - 0.5225


def test_isolated_long_liquidation_costs_exactly_the_margin():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    # (100 * 10 - 100) / (10 * (1 - 0.005)) = 90.4522...
    assert engine.position(SYMBOL).liquidation_price == D("90.452")
    assert engine.price_update(symbol=SYMBOL, price=D("90.46")) == []
    (fill,) = engine.price_update(symbol=SYMBOL, price=D("90.45"))
    assert fill.client_id.startswith("liq-")
    assert engine.positions() == [] and engine.state.wallet == D("899.5")  # 1000 - 0.5 fee - 100 margin


def test_isolated_short_liquidation_price():
    engine = account()
    market(engine, OrderSide.SELL, "10")
    assert engine.position(SYMBOL).liquidation_price == D("109.453")  # 1100 / (10 * 1.005)


def test_cross_margin_liquidation_price_uses_the_free_balance():
    engine = account(mode=MarginMode.CROSS)
    market(engine, OrderSide.BUY, "10")
    # M = 100 margin + 899.5 available: (1000 - 999.5) / (10 * 0.995) = 0.05025...
    assert engine.position(SYMBOL).liquidation_price == D("0.050")
    engine.price_update(symbol=SYMBOL, price=D("60"))
    assert engine.position(SYMBOL).liquidation_price == D("0.050")  # a loss does not move the estimate


def test_insufficient_balance_is_rejected_and_changes_nothing():
    engine = account(wallet="100")
    before = state_to_json(engine.state)
    with pytest.raises(OrderRejected) as caught:
        market(engine, OrderSide.BUY, "10")  # 100 margin + 0.5 fee > 100
    assert caught.value.code == 3109
    assert state_to_json(engine.state) == before


def test_limit_order_rests_with_frozen_margin_then_fills_as_maker():
    engine = account()
    order = engine.order_place(symbol=SYMBOL, side=OrderSide.BUY, type=OrderType.LIMIT, amount=D("10"),
                               price=D("95"), client_id="l")
    assert order.status == OrderStatus.OPEN
    assert (engine.balance().frozen, engine.balance().available) == (D("95"), D("905"))
    assert engine.price_update(symbol=SYMBOL, price=D("96")) == []
    (fill,) = engine.price_update(symbol=SYMBOL, price=D("94"))
    assert fill.order_id == order.order_id and fill.fee == D("0.285")  # 950 * 0.03 %
    assert engine.position(SYMBOL).entry_price == D("95") and engine.balance().frozen == D(0)


def test_funding_longs_pay_shorts_receive():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    assert engine.funding_apply(symbol=SYMBOL, rate=D("0.0001")) == D("-0.1")
    engine.position_close(symbol=SYMBOL, amount=None, client_id="x")
    market(engine, OrderSide.SELL, "10", client_id="s")
    assert engine.funding_apply(symbol=SYMBOL, rate=D("0.0001")) == D("0.1")


@pytest.mark.parametrize(("amount", "code"), [("0.123", 4004), ("0.04", 3127)])
def test_precision_and_minimum_amount(amount, code):
    with pytest.raises(OrderRejected) as caught:
        market(account(), OrderSide.BUY, amount)
    assert caught.value.code == code


def test_unknown_market_and_disallowed_leverage():
    engine = account()
    with pytest.raises(OrderRejected) as caught:
        engine.market("NOPEUSDT")
    assert caught.value.code == 3639
    with pytest.raises(OrderRejected):
        engine.leverage_set(symbol=SYMBOL, leverage=7, margin_mode=MarginMode.ISOLATED)


def test_no_price_yet_is_temporary():
    engine = account()
    with pytest.raises(ExchangeTemporaryError):
        engine.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("0.01"),
                           price=None, client_id="e")


def test_state_survives_a_json_round_trip():
    engine = account()
    market(engine, OrderSide.BUY, "10")
    engine.stop_loss_set(symbol=SYMBOL, price=D("90"))
    engine.order_place(symbol=SYMBOL, side=OrderSide.SELL, type=OrderType.LIMIT, amount=D("1"), price=D("120"),
                       client_id="l")
    restored = state_from_json(state_to_json(engine.state))
    assert restored == engine.state
