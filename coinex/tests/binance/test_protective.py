"""Protective orders are real STOP_MARKET / TAKE_PROFIT_MARKET algo orders that fire at the mark price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinex.dto import OrderSide, OrderType, PositionSide
from coinex.errors import OrderRejected


def open_long(client, binance, amount: str = "0.02") -> None:
    binance.price("BTCUSDT", "50000")
    client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal(amount),
                       client_id="entry-1")


def test_stop_loss_and_take_profit_are_close_position_orders_on_the_mark_price(client, binance):
    open_long(client, binance)
    client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("48500.04"))
    position = client.position_take_profit_set(symbol="BTCUSDT", price=Decimal("52500"))
    assert (position.stop_loss_price, position.take_profit_price) == (Decimal("48500"), Decimal("52500"))
    algos = {a["orderType"]: a for a in binance.state()["algo_orders"]}
    for algo in algos.values():
        assert (algo["algoType"], algo["side"], algo["workingType"]) == ("CONDITIONAL", "SELL", "MARK_PRICE")
        assert algo["closePosition"] is True and algo["priceProtect"] is False
    assert set(algos) == {"STOP_MARKET", "TAKE_PROFIT_MARKET"}


def test_the_stop_fires_when_the_mark_price_crosses_and_the_close_is_reported(client, binance):
    open_long(client, binance)
    client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("49000"))
    binance.price("BTCUSDT", "49500")
    assert client.position(symbol="BTCUSDT").stop_loss_price == Decimal("49000")  # not crossed yet
    binance.price("BTCUSDT", "48900")
    assert client.position(symbol="BTCUSDT") is None
    close = client.orders_finished(symbol="BTCUSDT")[0]
    assert close.side == OrderSide.SELL and close.average_price == Decimal("48900")
    assert close.realized_pnl == Decimal("-22")  # (48900 - 50000) * 0.02


def test_moving_a_stop_replaces_it_and_leaves_one(client, binance):
    open_long(client, binance)
    client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("48000"))
    moved = client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("49000"))
    assert moved.stop_loss_price == Decimal("49000")
    live = [a for a in binance.state()["algo_orders"] if a["algoStatus"] == "NEW"]
    assert [a["triggerPrice"] for a in live] == ["49000"]


def test_a_full_close_cancels_its_protective_orders(client, binance):
    open_long(client, binance)
    client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("48000"))
    client.position_take_profit_set(symbol="BTCUSDT", price=Decimal("53000"))
    client.position_close(symbol="BTCUSDT", client_id="exit-1")
    assert all(a["algoStatus"] == "CANCELED" for a in binance.state()["algo_orders"])


def test_a_stop_already_crossed_is_rejected_not_fired(client, binance):
    open_long(client, binance)
    with pytest.raises(OrderRejected) as rejected:
        client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("50500"))
    assert rejected.value.code == -2021
    assert client.position(symbol="BTCUSDT").amount == Decimal("0.02")


def test_a_short_is_protected_by_buy_orders(client, binance):
    binance.price("ETHUSDT", "2400")
    client.order_place(symbol="ETHUSDT", side=OrderSide.SELL, type=OrderType.MARKET, amount=Decimal("0.1"),
                       client_id="short-1")
    position = client.position_stop_loss_set(symbol="ETHUSDT", price=Decimal("2500"))
    assert position.side == PositionSide.SHORT and position.stop_loss_price == Decimal("2500")
    binance.price("ETHUSDT", "2501")
    assert client.position(symbol="ETHUSDT") is None
