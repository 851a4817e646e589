"""Markets from exchangeInfo: tick, step and minimum notional, and the venue status gate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinex.dto import OrderSide, OrderType
from coinex.errors import OrderRejected
from coinex.venue import VenueState, venue_status_read


def test_markets_carry_tick_step_minimum_and_min_notional(client):
    btc = client.market(symbol="BTCUSDT")
    assert (btc.tick_size, btc.amount_step, btc.min_amount, btc.min_notional) == (
        Decimal("0.10"), Decimal("0.001"), Decimal("0.001"), Decimal("100"))
    assert btc.price_round(Decimal("50000.06")) == Decimal("50000.1")
    assert btc.amount_round(Decimal("0.0129")) == Decimal("0.012")
    xrp = client.market(symbol="XRPUSDT")
    assert xrp.amount_round(Decimal("10.99")) == Decimal("10.9")


def test_an_order_under_the_minimum_notional_is_rejected_with_minus_4164(client, binance):
    binance.price("BTCUSDT", "50000")
    with pytest.raises(OrderRejected) as rejected:  # 0.001 * 50000 = 50 USDT < 100
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.001"),
                           client_id="tiny-1")
    assert rejected.value.code == -4164
    with pytest.raises(OrderRejected) as refused_here:  # a limit order is checked before it is sent
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=Decimal("0.001"),
                           price=Decimal("40000"), client_id="tiny-2")
    assert refused_here.value.code == -4164
    assert binance.state()["orders"] == 0


def test_an_amount_below_the_step_is_refused_before_sending(client, binance):
    with pytest.raises(OrderRejected, match="minimum"):
        client.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.9"),
                           client_id="step-1")
    assert binance.state()["requests"].get("/fapi/v1/order") is None


def test_a_symbol_that_stops_trading_leaves_the_markets_and_refuses_entries(client, binance):
    assert client.venue_status(symbols=["ETHUSDT"]).entries_allowed(symbol="ETHUSDT")
    binance.post("status", symbol="ETHUSDT", status="SETTLING")
    binance.post("status", symbol="XRPUSDT", status="PRE_DELIVERING")
    status = client.venue_status(symbols=["ETHUSDT", "XRPUSDT", "BTCUSDT", "LUNAUSDT"])
    assert status.state == VenueState.OPEN
    assert status.markets == {"ETHUSDT": VenueState.SUSPENDED, "XRPUSDT": VenueState.REDUCE_ONLY,
                              "BTCUSDT": VenueState.OPEN, "LUNAUSDT": VenueState.CLOSED}
    assert "SETTLING" in status.entry_refusal(symbol="ETHUSDT")
    assert status.entry_refusal(symbol="BTCUSDT") is None


def test_an_unreachable_venue_reads_unknown_and_refuses_entries(client, binance):
    binance.fail(http_status=502, path="/fapi/v1/ping", count=3)
    status = venue_status_read(exchange=client, symbols=["BTCUSDT"])
    assert status.state == VenueState.UNKNOWN and not status.entries_allowed(symbol="BTCUSDT")
