"""The real client against the loopback CoinEx server, endpoint by endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from coinex.client import ApiCredentials, CoinExClient
from coinex.dto import MarginMode, OrderSide, OrderStatus, OrderType, PositionSide
from coinex.exchange import Exchange
from coinex.tests.conftest import ACCESS_ID, SECRET_KEY


def buy(client: CoinExClient, amount: str, client_id: str, symbol: str = "BTCUSDT"):
    return client.order_place(symbol=symbol, side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal(amount),
                              client_id=client_id)


def test_the_client_is_an_exchange(client):
    assert isinstance(client, Exchange)


def test_server_time_is_the_exchange_clock(client):
    assert abs(client.server_time() - datetime.now(tz=UTC)) < timedelta(seconds=5)


def test_markets_carry_min_amount_precision_tick_leverages_and_fees(client):
    btc = client.market(symbol="BTCUSDT")
    assert (btc.min_amount, btc.amount_precision, btc.tick_size) == (Decimal("0.0001"), 4, Decimal("0.1"))
    assert 10 in btc.leverages and btc.taker_fee_rate == Decimal("0.0005")
    assert len(client.markets()) == 29


def test_ticker_and_funding_rate(client, sandbox):
    sandbox.price("ETHUSDT", "2500.55")
    ticker = client.ticker(symbol="ETHUSDT")
    assert ticker.last_price == ticker.mark_price == Decimal("2500.55")
    funding = client.funding_rate(symbol="ETHUSDT")
    assert funding.latest_rate == Decimal("0.0001") and funding.next_funding_at > datetime.now(tz=UTC)


def test_candles(client):
    candles = client.candles(symbol="BTCUSDT", period="5min", limit=3)
    assert len(candles) == 3 and candles[0].opened_at < candles[-1].opened_at


def test_balance_of_a_fresh_account(client):
    balance = client.balance()
    assert (balance.available, balance.equity, balance.margin) == (Decimal("10000"), Decimal("10000"), Decimal(0))


def test_market_order_opens_a_position_with_fee_margin_and_liquidation_price(client, sandbox):
    sandbox.price("BTCUSDT", "50000")
    client.leverage_set(symbol="BTCUSDT", leverage=10, margin_mode=MarginMode.ISOLATED)
    order = buy(client, "0.02", "open-1")
    assert order.status == OrderStatus.FILLED and order.average_price == Decimal("50000")
    assert order.fee == Decimal("0.5")  # 50000 * 0.02 * 0.05 %
    (position,) = client.positions()
    assert (position.side, position.amount, position.entry_price) == (PositionSide.LONG, Decimal("0.02"),
                                                                      Decimal("50000"))
    assert position.leverage == 10 and position.margin == Decimal("100")
    assert position.liquidation_price == Decimal("45226.1")  # (1000 - 100) / (0.02 * 0.995)
    sandbox.price("BTCUSDT", "51000")
    moved = client.position(symbol="BTCUSDT")
    assert moved.unrealized_pnl == Decimal("20") and moved.mark_price == Decimal("51000")
    balance = client.balance()
    assert balance.equity == Decimal("10000") - Decimal("0.5") + Decimal("20")
    assert balance.margin == Decimal("100")


def test_amount_and_price_are_rounded_to_the_market_precision(client, sandbox):
    sandbox.price("BTCUSDT", "50000")
    order = buy(client, "0.012345", "round-1")
    assert order.amount == Decimal("0.0123")
    limit = client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=Decimal("0.001"),
                               price=Decimal("40000.04"), client_id="round-2")
    assert limit.price == Decimal("40000")


def test_limit_order_rests_is_found_by_id_and_client_id_and_cancels(client, sandbox):
    sandbox.price("ETHUSDT", "2500")
    order = client.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=Decimal("0.1"),
                               price=Decimal("2400"), client_id="limit-1")
    assert order.status == OrderStatus.OPEN
    assert client.balance().frozen == Decimal("80")  # 2400 * 0.1 / 3 (default leverage)
    assert [o.order_id for o in client.orders_pending(symbol="ETHUSDT")] == [order.order_id]
    assert client.order_by_id(symbol="ETHUSDT", order_id=order.order_id).client_id == "limit-1"
    assert client.order_by_client_id(symbol="ETHUSDT", client_id="limit-1").order_id == order.order_id
    cancelled = client.order_cancel(symbol="ETHUSDT", order_id=order.order_id)
    assert cancelled.status == OrderStatus.CANCELED
    assert client.orders_pending() == []
    assert client.order_by_id(symbol="ETHUSDT", order_id="999") is None


def test_limit_order_fills_when_the_price_crosses_it(client, sandbox):
    sandbox.price("ETHUSDT", "2500")
    order = client.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=Decimal("0.1"),
                               price=Decimal("2400"), client_id="limit-2")
    sandbox.price("ETHUSDT", "2390")
    filled = client.order_by_id(symbol="ETHUSDT", order_id=order.order_id)
    assert filled.status == OrderStatus.FILLED and filled.average_price == Decimal("2400")
    assert client.position(symbol="ETHUSDT").entry_price == Decimal("2400")


def test_cancel_by_client_id(client, sandbox):
    for client_id in ("batch-a", "batch-b"):
        client.order_place(symbol="ETHUSDT", side=OrderSide.SELL, type=OrderType.LIMIT, amount=Decimal("0.1"),
                           price=Decimal("3000"), client_id=client_id)
    cancelled = client.order_cancel_by_client_id(symbol="ETHUSDT", client_id="batch-a")
    assert [o.client_id for o in cancelled] == ["batch-a"]
    assert [o.client_id for o in client.orders_pending()] == ["batch-b"]


def test_a_sell_larger_than_the_long_flips_it_but_close_position_never_does(client, sandbox):
    sandbox.price("BTCUSDT", "50000")
    buy(client, "0.01", "flip-open")
    client.order_place(symbol="BTCUSDT", side=OrderSide.SELL, type=OrderType.MARKET, amount=Decimal("0.03"),
                       client_id="flip-sell")
    flipped = client.position(symbol="BTCUSDT")
    assert (flipped.side, flipped.amount) == (PositionSide.SHORT, Decimal("0.02"))
    closed = client.position_close(symbol="BTCUSDT", client_id="flip-close", amount=Decimal("0.05"))
    assert closed.filled_amount == Decimal("0.02")
    assert client.position(symbol="BTCUSDT") is None


def test_partial_close_realises_pnl_on_the_closed_part(client, sandbox):
    sandbox.price("SOLUSDT", "100")
    buy(client, "10", "sol-open", symbol="SOLUSDT")
    sandbox.price("SOLUSDT", "110")
    order = client.position_close(symbol="SOLUSDT", client_id="sol-half", amount=Decimal("4"))
    assert order.realized_pnl == Decimal("40")  # (110 - 100) * 4
    assert client.position(symbol="SOLUSDT").amount == Decimal("6")


def test_leverage_and_margin_mode(client):
    setting = client.leverage_set(symbol="ETHUSDT", leverage=5, margin_mode=MarginMode.CROSS)
    assert (setting.leverage, setting.margin_mode) == (5, MarginMode.CROSS)


def test_position_take_profit_fires_when_the_price_reaches_it(client, sandbox):
    sandbox.price("BTCUSDT", "50000")
    buy(client, "0.01", "tp-open")
    client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("48000"))
    position = client.position_take_profit_set(symbol="BTCUSDT", price=Decimal("52000"))
    assert (position.stop_loss_price, position.take_profit_price) == (Decimal("48000"), Decimal("52000"))
    sandbox.price("BTCUSDT", "51999.9")
    assert client.position(symbol="BTCUSDT") is not None
    sandbox.price("BTCUSDT", "52000")
    assert client.position(symbol="BTCUSDT") is None
    closing = client.orders_finished(symbol="BTCUSDT")[0]
    assert closing.client_id == f"tp-{position.position_id}" and closing.realized_pnl == Decimal("20")
    # equity: 10000 - open fee 0.25 + pnl 20 - close fee 0.26
    assert client.balance().equity == Decimal("10019.49")


def test_position_stop_loss_fires_when_the_price_falls_to_it(client, sandbox):
    sandbox.price("BTCUSDT", "50000")
    buy(client, "0.01", "sl-open")
    client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("49000"))
    sandbox.price("BTCUSDT", "48900")
    assert client.positions() == []
    assert client.balance().equity == Decimal("10000") - Decimal("0.25") - Decimal("11") - Decimal("0.2445")


def test_many_pages_of_positions_are_all_read(client, sandbox, monkeypatch):
    monkeypatch.setattr("coinex.client.client.PAGE_LIMIT", 2)
    for symbol, amount in (("BTCUSDT", "0.001"), ("ETHUSDT", "0.01"), ("SOLUSDT", "1"), ("XRPUSDT", "10"),
                           ("DOGEUSDT", "100")):
        buy(client, amount, f"page-{symbol}", symbol=symbol)
    assert sorted(p.symbol for p in client.positions()) == ["BTCUSDT", "DOGEUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]


def test_a_skewed_exchange_clock_is_followed(client, sandbox):
    sandbox.post("clock", skew_ms=120_000)
    assert client.balance().equity == Decimal("10000")


def test_a_clock_that_drifts_after_sync_is_resynchronised_once(client, sandbox):
    client.balance()  # synchronised with no skew
    sandbox.post("clock", skew_ms=-90_000)
    assert client.balance().equity == Decimal("10000")


def test_pennies_are_sent_in_plain_notation(client, sandbox):
    sandbox.price("PEPEUSDT", "0.00000667")
    order = buy(client, "1000000", "pepe", symbol="PEPEUSDT")
    assert order.average_price == Decimal("0.00000667")


def test_unknown_market_is_rejected(client):
    from coinex.errors import OrderRejected

    with pytest.raises(OrderRejected) as caught:
        client.market(symbol="NOPEUSDT")
    assert caught.value.code == 3639


def test_a_client_without_credentials_cannot_trade(sandbox):
    from coinex.errors import ExchangeAuthError

    anonymous = CoinExClient.create(base_url=sandbox.server.base_url, credentials=None)
    assert anonymous.ticker(symbol="BTCUSDT").last_price > 0
    with pytest.raises(ExchangeAuthError):
        anonymous.balance()


def test_credentials_repr_hides_both_values():
    assert ACCESS_ID not in repr(ApiCredentials(ACCESS_ID, SECRET_KEY))
    assert SECRET_KEY not in repr(ApiCredentials(ACCESS_ID, SECRET_KEY))
