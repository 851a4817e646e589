"""Balance, leverage and isolated margin, and one-way versus hedge position modes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinex.dto import MarginMode, OrderSide, OrderType, PositionSide
from coinex.errors import OrderRejected
from coinex.tests.binance.conftest import client_create


def test_isolated_margin_and_leverage_are_set_and_setting_them_again_is_fine(client, binance):
    setting = client.leverage_set(symbol="BTCUSDT", leverage=7, margin_mode=MarginMode.ISOLATED)
    assert (setting.leverage, setting.margin_mode) == (7, MarginMode.ISOLATED)
    client.leverage_set(symbol="BTCUSDT", leverage=5, margin_mode=MarginMode.ISOLATED)  # -4046 is not an error
    state = binance.state()
    assert state["margin_type"] == {"BTCUSDT": "ISOLATED"} and state["leverage"] == {"BTCUSDT": 5}
    binance.price("BTCUSDT", "50000")
    client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                       client_id="iso-1")
    position = client.position(symbol="BTCUSDT")
    assert (position.margin_mode, position.leverage, position.margin) == (MarginMode.ISOLATED, 5, Decimal("100"))
    balance = client.balance()
    assert balance.margin == Decimal("100") and balance.equity == Decimal("10000") - Decimal("0.25")


def test_a_leverage_over_the_bracket_is_rejected(client):
    with pytest.raises(OrderRejected) as rejected:
        client.leverage_set(symbol="DOGEUSDT", leverage=100, margin_mode=MarginMode.ISOLATED)
    assert rejected.value.code == -4028
    assert client.market(symbol="DOGEUSDT").leverages[-1] == 75  # from the leverage brackets


def test_one_way_is_the_default_and_the_account_is_switched_to_it(binance):
    binance.sandbox.account.dual_side = True  # someone left the account in hedge mode
    client = client_create(binance)
    binance.price("BTCUSDT", "50000")
    client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                       client_id="oneway-1")
    assert binance.state()["dual_side"] is False
    client.close()


def test_hedge_mode_keeps_a_long_and_a_short_keyed_by_side(binance):
    client = client_create(binance, hedge_mode=True)
    binance.price("ETHUSDT", "2400")
    for side, client_id in ((OrderSide.BUY, "h-long"), (OrderSide.SELL, "h-short")):
        client.order_place(symbol="ETHUSDT", side=side, type=OrderType.MARKET, amount=Decimal("0.1"),
                           client_id=client_id)
    assert binance.state()["dual_side"] is True
    positions = client.positions_by_key()
    assert set(positions) == {("ETHUSDT", PositionSide.LONG), ("ETHUSDT", PositionSide.SHORT)}
    with pytest.raises(OrderRejected, match="name the side"):
        client.position(symbol="ETHUSDT")
    client.position_stop_loss_set(symbol="ETHUSDT", price=Decimal("2300"), side=PositionSide.LONG)
    client.position_stop_loss_set(symbol="ETHUSDT", price=Decimal("2500"), side=PositionSide.SHORT)
    binance.price("ETHUSDT", "2299")  # the long's stop fires; the short stays
    remaining = client.positions_by_key()
    assert set(remaining) == {("ETHUSDT", PositionSide.SHORT)}
    assert remaining[("ETHUSDT", PositionSide.SHORT)].stop_loss_price == Decimal("2500")
    client.position_close(symbol="ETHUSDT", client_id="h-exit")  # the only side open: no need to name it
    assert client.positions() == []
    client.close()


def test_switching_position_mode_with_a_position_open_is_refused(binance):
    one_way = client_create(binance)
    binance.price("BTCUSDT", "50000")
    one_way.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                        client_id="pos-1")
    with pytest.raises(OrderRejected) as refused:
        one_way.position_mode_set(hedge=True)
    assert refused.value.code == -4068
    one_way.close()


def test_a_cross_position_s_loss_lowers_the_available_balance(client, binance):
    binance.price("BTCUSDT", "50000")
    client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.1"),
                       client_id="cross-1")  # cross margin (the account default), 20x: 250 USDT margin
    binance.price("BTCUSDT", "48000")  # -200 USDT unrealized
    balance = client.balance()
    assert balance.unrealized_pnl == Decimal("-200") and balance.margin == Decimal("250")
    assert balance.available == Decimal("10000") - Decimal("2.5") - Decimal("250") - Decimal("200")
    assert balance.equity == Decimal("10000") - Decimal("2.5") - Decimal("200")
