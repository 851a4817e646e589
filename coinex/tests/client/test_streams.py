"""The CoinEx futures WebSocket client against the sandbox's loopback stream server: mark prices,
the signed account stream (orders, positions, a stop-loss fired by CoinEx), a wrong key, a
dropped connection and a silent one."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from coinex.client import ApiCredentials
from coinex.client.streams import CoinExStream
from coinex.dto import MarginMode, OrderSide, OrderStatus, OrderType
from coinex.sandbox import CoinExStreamServer
from coinex.streams import MarkPriceEvent, OrderEvent, PositionEvent
from coinex.tests.conftest import ACCESS_ID, SECRET_KEY

WAIT_S = 5
FAST = {"backoff_initial_s": 0.05, "backoff_max_s": 0.2}


@pytest.fixture
def streams(sandbox) -> Iterator[CoinExStreamServer]:
    server = CoinExStreamServer(sandbox=sandbox.server.exchange).start()
    yield server
    server.stop()


class Collected:
    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()
        self.reconnects = 0

    def reconnected(self) -> None:
        self.reconnects += 1

    def wait_for(self, predicate, *, timeout_s: float = WAIT_S):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if predicate(event):
                return event
        raise AssertionError("the expected event never came")


def market_stream(streams, collected, markets=("BTCUSDT",), **options) -> CoinExStream:
    return CoinExStream.market(base_url=streams.base_url, markets=markets, on_event=collected.events.put,
                               on_reconnect=collected.reconnected, **{**FAST, **options}).start()


def test_mark_prices_arrive_on_subscribing_and_on_every_change(streams, sandbox):
    collected = Collected()
    stream = market_stream(streams, collected, markets=("BTCUSDT", "ETHUSDT"))
    try:
        first = collected.wait_for(lambda e: isinstance(e, MarkPriceEvent) and e.symbol == "BTCUSDT")
        assert first.mark_price == sandbox.server.exchange.account.state.prices["BTCUSDT"]
        sandbox.price("BTCUSDT", "61000")
        moved = collected.wait_for(lambda e: isinstance(e, MarkPriceEvent) and e.mark_price == Decimal("61000"))
        assert moved.symbol == "BTCUSDT" and moved.funding_rate == Decimal("0.0001")
    finally:
        stream.stop()


def test_the_signed_account_stream_reports_orders_and_a_stop_loss_coinex_fired(streams, sandbox, client):
    collected = Collected()
    stream = CoinExStream.user_data(base_url=streams.base_url, credentials=ApiCredentials(ACCESS_ID, SECRET_KEY),
                                    on_event=collected.events.put, **FAST).start()
    try:
        assert stream.connected.wait(WAIT_S)
        sandbox.price("BTCUSDT", "50000")
        client.leverage_set(symbol="BTCUSDT", leverage=5, margin_mode=MarginMode.ISOLATED)
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                           client_id="ws-open-1")
        filled = collected.wait_for(lambda e: isinstance(e, OrderEvent) and e.client_id == "ws-open-1")
        assert (filled.status, filled.filled_amount, filled.average_price) == (
            OrderStatus.FILLED, Decimal("0.01"), Decimal("50000"))
        opened = collected.wait_for(lambda e: isinstance(e, PositionEvent))
        assert (opened.symbol, opened.closed, opened.amount) == ("BTCUSDT", False, Decimal("0.01"))
        client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("49000"))
        sandbox.price("BTCUSDT", "48900")  # CoinEx closes the position on its own
        closed = collected.wait_for(lambda e: isinstance(e, PositionEvent) and e.closed)
        assert (closed.symbol, closed.event) == ("BTCUSDT", "close")
    finally:
        stream.stop()


@pytest.mark.django_db  # the error it logs goes to the dashboard's error log
def test_a_wrong_secret_is_refused_and_the_account_stream_stops(streams):
    collected = Collected()
    stream = CoinExStream.user_data(base_url=streams.base_url, credentials=ApiCredentials(ACCESS_ID, "wrong-secret"),
                                    on_event=collected.events.put, **FAST).start()
    deadline = time.monotonic() + WAIT_S
    while stream.auth_error is None:
        assert time.monotonic() < deadline, "no answer to server.sign"
        time.sleep(0.05)
    stream.stop(timeout_s=WAIT_S)
    assert stream.auth_error is not None and "21002" in stream.auth_error
    assert stream.connections == 0


def test_a_dropped_connection_is_reconnected_and_resubscribed(streams, sandbox):
    collected = Collected()
    stream = market_stream(streams, collected)
    try:
        collected.wait_for(lambda e: isinstance(e, MarkPriceEvent))
        streams.control(drop=True, mute=None)
        deadline = time.monotonic() + WAIT_S
        while collected.reconnects == 0:
            assert time.monotonic() < deadline, "never reconnected"
            time.sleep(0.05)
        # The new connection subscribed again: its first state arrives, then the next change.
        collected.wait_for(lambda e: isinstance(e, MarkPriceEvent))
        sandbox.price("BTCUSDT", "62000")
        collected.wait_for(lambda e: isinstance(e, MarkPriceEvent) and e.mark_price == Decimal("62000"))
    finally:
        stream.stop()


def test_a_silent_connection_raises_the_alarm_but_a_quiet_one_answering_pings_does_not(streams, sandbox):
    collected = Collected()
    quiet = CoinExStream.user_data(base_url=streams.base_url, credentials=ApiCredentials(ACCESS_ID, SECRET_KEY),
                                   on_event=collected.events.put, silence_s=0.3, **FAST).start()
    try:
        assert quiet.connected.wait(WAIT_S)
        time.sleep(1.0)  # no fill for over three silence windows: its pings are answered
        assert (quiet.silences, quiet.connections) == (0, 1)
        streams.control(drop=False, mute=True)  # now nothing comes back at all
        deadline = time.monotonic() + WAIT_S
        while quiet.silences == 0:
            assert time.monotonic() < deadline, "no alarm for a silent connection"
            time.sleep(0.05)
    finally:
        streams.control(drop=False, mute=False)
        quiet.stop()
