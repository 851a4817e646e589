"""Resting limit orders on the simulated account: the shared fill rule, part fills, post-only
(SOLUSDT: tick 0.001, amount step 0.01, maker 0.03 %)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from coinex.dto import OrderSide, OrderStatus, OrderType
from coinex.errors import OrderRejected
from coinex.simulator.fills import limit_fill_amount
from coinex.simulator.markets import default_markets
from coinex.tests.simulator.test_engine import SYMBOL, account

SOL = default_markets()[SYMBOL]


@pytest.mark.parametrize(("side", "reached", "expected"), [
    (OrderSide.BUY, "99.999", "1.01"), (OrderSide.BUY, "100", "0.5"), (OrderSide.BUY, "100.001", "0"),
    (OrderSide.SELL, "100.001", "1.01"), (OrderSide.SELL, "100", "0.5"), (OrderSide.SELL, "99.999", "0"),
])
def test_through_the_limit_fills_the_rest_a_touch_half_of_it_on_the_amount_step(side, reached, expected):
    assert limit_fill_amount(market=SOL, side=side, limit_price=D("100"), reached_price=D(reached),
                             remaining=D("1.01")) == D(expected)


def test_a_touch_that_would_round_to_nothing_fills_the_dust_left():
    assert limit_fill_amount(market=SOL, side=OrderSide.BUY, limit_price=D("100"), reached_price=D("100"),
                             remaining=D("0.01")) == D("0.01")


def test_a_resting_buy_fills_in_part_on_a_touch_once_per_new_price_with_its_margin_released_pro_rata():
    engine = account()  # 1,000 USDT at 10x, price 100
    order = engine.order_place(symbol=SYMBOL, side=OrderSide.BUY, type=OrderType.LIMIT, amount=D("10"),
                               price=D("99"), client_id="e", post_only=True)
    assert (order.status, order.frozen) == (OrderStatus.OPEN, D("99"))  # 990 notional / 10x
    engine.price_update(symbol=SYMBOL, price=D("99"))
    assert (order.status, order.filled_amount, order.frozen) == (OrderStatus.PART_FILLED, D("5"), D("49.5"))
    assert order.fee == D("0.1485")  # 99 * 5 * 0.03 % (maker)
    engine.price_update(symbol=SYMBOL, price=D("99"))  # the same price again: no second touch
    assert order.filled_amount == D("5")
    assert engine.position(SYMBOL).amount == D("5")
    engine.price_update(symbol=SYMBOL, price=D("98.5"))  # through: the rest fills
    assert (order.status, order.filled_amount, order.frozen) == (OrderStatus.FILLED, D("10"), D("0"))
    assert order.fee == D("0.297") and engine.position(SYMBOL).amount == D("10")


def test_cancelling_a_part_filled_order_keeps_the_fill_and_frees_the_rest_of_the_margin():
    engine = account()
    order = engine.order_place(symbol=SYMBOL, side=OrderSide.BUY, type=OrderType.LIMIT, amount=D("10"),
                               price=D("99"), client_id="e")
    engine.price_update(symbol=SYMBOL, price=D("99"))
    engine.order_cancel(symbol=SYMBOL, order_id=order.order_id)
    assert (order.status, order.filled_amount, order.frozen) == (OrderStatus.PART_CANCELED, D("5"), D("0"))
    assert engine.balance().frozen == 0 and engine.position(SYMBOL).amount == D("5")


@pytest.mark.parametrize(("side", "price"), [(OrderSide.BUY, "100"), (OrderSide.SELL, "99.5")])
def test_a_post_only_order_that_would_take_is_refused_and_leaves_no_trace(side, price):
    engine = account()
    before = engine.state.next_id
    with pytest.raises(OrderRejected, match="post-only"):
        engine.order_place(symbol=SYMBOL, side=side, type=OrderType.LIMIT, amount=D("1"), price=D(price),
                           client_id="p", post_only=True)
    assert engine.state.next_id == before and not engine.orders_pending()
