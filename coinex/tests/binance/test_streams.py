"""The stream client against the loopback WebSocket server: events, reconnects, the silence alarm."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from coinex.binance.streams import (
    BinanceStream,
    KlineEvent,
    MarkPriceEvent,
    OrderEvent,
    listen_key_create,
    listen_key_keepalive,
    stream_names,
)
from coinex.dto import OrderSide, OrderStatus, OrderType
from coinex.sandbox_binance import BinanceStreamServer

WAIT_S = 5


@pytest.fixture
def streams(binance) -> Iterator[BinanceStreamServer]:
    server = BinanceStreamServer(sandbox=binance.sandbox).start()
    yield server
    server.stop()


def subscribe(url_maker, **kwargs) -> tuple[BinanceStream, queue.Queue]:
    received: queue.Queue = queue.Queue()
    stream = url_maker(on_event=received.put, backoff_initial_s=0.05, **kwargs).start()
    assert stream.connected.wait(WAIT_S)
    return stream, received


def eventually(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def next_of(received: queue.Queue, kind: type):
    while True:
        event = received.get(timeout=WAIT_S)
        if isinstance(event, kind):
            return event


def mark_of(received: queue.Queue, price: str) -> MarkPriceEvent:
    """The first mark price event at ``price`` (earlier ones, e.g. the initial push, are skipped)."""
    while True:
        event = next_of(received, MarkPriceEvent)
        if event.mark_price == Decimal(price):
            return event


def test_mark_price_and_kline_frames_arrive_as_typed_events(binance, streams):
    stream, received = subscribe(lambda **kw: BinanceStream.combined(
        base_url=streams.base_url, streams=stream_names(["BTCUSDT"]), **kw))
    try:
        initial = next_of(received, MarkPriceEvent)  # the current value on subscribing
        assert (initial.symbol, initial.mark_price) == ("BTCUSDT", Decimal("56588"))
        binance.price("BTCUSDT", "61234.5")
        assert mark_of(received, "61234.5").symbol == "BTCUSDT"
        kline = next_of(received, KlineEvent)
        assert (kline.interval, kline.candle.close, kline.closed) == ("5m", Decimal("61234.5"), False)
        binance.price("ETHUSDT", "2500")  # not subscribed
        binance.price("BTCUSDT", "61000")
        assert mark_of(received, "61000").symbol == "BTCUSDT"
    finally:
        stream.stop()


def test_a_dropped_connection_is_reconnected_and_the_gap_repair_is_asked_for(binance, streams):
    repairs = []
    stream, received = subscribe(lambda **kw: BinanceStream.combined(
        base_url=streams.base_url, streams=stream_names(["BTCUSDT"]), on_reconnect=lambda: repairs.append(1), **kw))
    try:
        binance.post("ws", drop=True)
        assert eventually(lambda: stream.connections == 2 and stream.connected.is_set())
        assert repairs == [1]
        binance.price("BTCUSDT", "60000")
        assert mark_of(received, "60000").symbol == "BTCUSDT"
    finally:
        stream.stop()


def test_a_silent_connection_raises_the_alarm_and_is_replaced(binance, streams, caplog):
    stream, received = subscribe(lambda **kw: BinanceStream.combined(
        base_url=streams.base_url, streams=stream_names(["BTCUSDT"]), silence_s=0.3, **kw))
    try:
        binance.post("ws", mute=True)
        assert eventually(lambda: stream.silences >= 1 and stream.connections >= 2)
        assert "no frame for" in caplog.text
        binance.post("ws", mute=False)
        binance.price("BTCUSDT", "59000")  # sent now, or as the initial value of the next connection
        assert mark_of(received, "59000").symbol == "BTCUSDT"
    finally:
        stream.stop()


def test_the_user_data_stream_reports_a_fired_stop(binance, streams, client):
    key = listen_key_create(client.transport)
    listen_key_keepalive(client.transport)
    stream, received = subscribe(lambda **kw: BinanceStream.user_data(base_url=streams.base_url, listen_key=key,
                                                                      **kw))
    try:
        binance.price("BTCUSDT", "50000")
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                           client_id="ws-entry")
        assert next_of(received, OrderEvent).client_id == "ws-entry"
        client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("49000"))
        binance.price("BTCUSDT", "48900")
        fired = next_of(received, OrderEvent)
        assert (fired.original_type, fired.status, fired.realized_pnl) == ("STOP_MARKET", OrderStatus.FILLED,
                                                                           Decimal("-11"))
    finally:
        stream.stop()
