"""Orders through the real adapter: placement, lookups, cancels, and no duplicate after a timeout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinex.binance import BinanceUsdmClient
from coinex.dto import OrderSide, OrderStatus, OrderType, PositionSide
from coinex.exchange import Exchange


def buy(client: BinanceUsdmClient, amount: str, client_id: str, symbol: str = "BTCUSDT"):
    return client.order_place(symbol=symbol, side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal(amount),
                              client_id=client_id)


def test_the_adapter_is_an_exchange(client):
    assert isinstance(client, Exchange)


def test_a_market_order_fills_at_the_mark_price_with_its_fee(client, binance):
    binance.price("BTCUSDT", "50000")
    order = buy(client, "0.02", "open-1")
    assert (order.status, order.average_price, order.filled_amount) == (OrderStatus.FILLED, Decimal("50000"),
                                                                        Decimal("0.02"))
    assert order.fee == Decimal("0.5")  # 50000 * 0.02 * 0.05 %
    (position,) = client.positions()
    assert (position.side, position.amount, position.entry_price) == (PositionSide.LONG, Decimal("0.02"),
                                                                      Decimal("50000"))


def test_lookup_by_client_id_and_by_id(client, binance):
    placed = buy(client, "0.01", "look-1")
    assert client.order_by_client_id(symbol="BTCUSDT", client_id="look-1") == placed
    assert client.order_by_id(symbol="BTCUSDT", order_id=placed.order_id).client_id == "look-1"
    assert client.order_by_client_id(symbol="BTCUSDT", client_id="never-sent") is None
    assert client.order_by_id(symbol="BTCUSDT", order_id="1") is None


def test_an_order_whose_answer_timed_out_is_found_not_sent_twice(client, binance):
    # The server places the order, then answers after the client gave up (2 s timeout).
    binance.post("latency", seconds=2.5, path="/fapi/v1/order", phase="after")
    order = buy(client, "0.01", "slow-1")
    assert order.client_id == "slow-1" and order.status == OrderStatus.FILLED
    assert binance.state()["orders"] == 1  # one order, not two
    assert client.position(symbol="BTCUSDT").amount == Decimal("0.01")


def test_an_order_lost_before_the_matching_engine_is_sent_again_once(client, binance):
    # A gateway 503 (outcome unknown): the lookup finds nothing, so the order is resent once.
    binance.post("latency", seconds=0, path="/fapi/v1/order", phase="before", drop=True)
    order = buy(client, "0.01", "lost-1")
    assert order.status == OrderStatus.FILLED
    assert binance.state()["orders"] == 1
    assert binance.state()["requests"]["/fapi/v1/order"] == 3  # lost POST, lookup GET, resent POST


def test_limit_orders_rest_fill_when_crossed_and_cancel(client, binance):
    binance.price("ETHUSDT", "2400")
    resting = client.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=Decimal("0.05"),
                                 price=Decimal("2300.004"), client_id="limit-1")
    assert resting.price == Decimal("2300") and resting.status == OrderStatus.OPEN
    assert [o.client_id for o in client.orders_pending(symbol="ETHUSDT")] == ["limit-1"]
    other = client.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=Decimal("0.05"),
                               price=Decimal("2200"), client_id="limit-2")
    assert client.order_cancel(symbol="ETHUSDT", order_id=other.order_id).status == OrderStatus.CANCELED
    assert client.order_cancel_by_client_id(symbol="ETHUSDT", client_id="limit-2") == []  # already cancelled
    binance.price("ETHUSDT", "2299")
    assert client.order_by_id(symbol="ETHUSDT", order_id=resting.order_id).status == OrderStatus.FILLED
    finished = client.orders_finished(symbol="ETHUSDT")
    assert [o.client_id for o in finished] == ["limit-2", "limit-1"]  # newest first


def test_position_close_never_flips_and_reports_realized_pnl(client, binance):
    binance.price("BTCUSDT", "50000")
    buy(client, "0.03", "open-2")
    binance.price("BTCUSDT", "51000")
    partial = client.position_close(symbol="BTCUSDT", client_id="close-part", amount=Decimal("0.01"))
    assert partial.side == OrderSide.SELL and partial.realized_pnl == Decimal("10")
    client.position_close(symbol="BTCUSDT", client_id="close-all")
    assert client.position(symbol="BTCUSDT") is None  # closed, not flipped short
    with pytest.raises(Exception, match="no open BTCUSDT position"):
        client.position_close(symbol="BTCUSDT", client_id="close-again")


def test_ticker_funding_and_server_time(client, binance):
    from datetime import UTC, datetime, timedelta

    binance.price("SOLUSDT", "131.27")
    ticker = client.ticker(symbol="SOLUSDT")
    assert ticker.last_price == ticker.mark_price == Decimal("131.27")
    funding = client.funding_rate(symbol="SOLUSDT")
    assert funding.latest_rate == Decimal("0.0001") and funding.next_funding_at > datetime.now(tz=UTC)
    assert abs(client.server_time() - datetime.now(tz=UTC)) < timedelta(seconds=5)


def test_pending_orders_of_all_symbols(client, binance):
    for symbol, price, amount in (("ETHUSDT", "2000", "0.05"), ("XRPUSDT", "0.4", "20")):
        client.order_place(symbol=symbol, side=OrderSide.BUY, type=OrderType.LIMIT, amount=Decimal(amount),
                           price=Decimal(price), client_id=f"rest-{symbol}")
    assert {o.symbol for o in client.orders_pending()} == {"ETHUSDT", "XRPUSDT"}
    assert [o.symbol for o in client.orders_pending(symbol="XRPUSDT")] == ["XRPUSDT"]
