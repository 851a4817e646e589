"""The stream process against the loopback Binance server's WebSocket side (and the fake Binance
klines server for the REST repair): candles stored through the fetcher's upsert, a dropped
connection reconnected with its gap repaired from REST, a fired stop waking the trader."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command

from coinex.binance import BinanceUsdmClient
from coinex.binance.streams import event_parse
from coinex.client import ApiCredentials
from coinex.dto import OrderSide, OrderType
from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer, BinanceStreamServer
from ta.models import Candle
from ta.sources.binance import BinanceSource
from ta.testing.fake_binance import FakeBinance
from trader.services.streams import StreamProcess, streams_refusal

pytestmark = pytest.mark.django_db

API_KEY, SECRET_KEY = "STREAMSBINANCEKEY0123456789", "streams-binance-secret-0123456789abcdef"
WAIT_S = 5
T0 = datetime(2024, 6, 1, 12, 1, tzinfo=UTC)  # inside the shared real candles
FAST = {"backoff_initial_s": 0.05, "backoff_max_s": 0.2, "silence_s": 5}


@pytest.fixture(scope="module")
def binance_server():
    server = BinanceSandboxServer(sandbox=BinanceSandbox(api_key=API_KEY, secret_key=SECRET_KEY)).start()
    yield server
    server.stop()


@pytest.fixture
def streams(binance_server):
    binance_server.sandbox.reset(balance=Decimal("1000"))
    server = BinanceStreamServer(sandbox=binance_server.sandbox).start()
    yield server
    server.stop()


def sandbox_clock(sandbox, at: datetime) -> None:
    sandbox.clock_skew_ms = int(at.timestamp() * 1000) - int(time.time() * 1000)


def sandbox_price(server, symbol: str, price: str) -> None:
    answer = httpx.post(f"{server.base_url}/_sandbox/price", json={"symbol": symbol, "price": price}, timeout=5)
    assert answer.json()["code"] == 0


def step_until(process: StreamProcess, done, *, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "the stream process did not get there in time"
        process.step(timeout_s=0.1)


def stored(symbol: str, open_time: datetime) -> Candle | None:
    return Candle.objects.filter(symbol__symbol=symbol, timeframe="5m", open_time=open_time).first()


def test_candles_are_stored_and_a_reconnect_repairs_the_gap_from_rest(streams, binance_server, klines_dir):
    sandbox = binance_server.sandbox
    sandbox_clock(sandbox, T0)
    with FakeBinance(klines_dir, now=T0 + timedelta(minutes=10)) as rest:
        process = StreamProcess(symbols=["BTCUSDT"], ws_base_url=streams.base_url, wake=lambda: None,
                                source=BinanceSource(base_url=f"{rest.base_url}/fapi/v1/klines"),
                                clock=lambda: T0 + timedelta(minutes=10), candle_write_s=0, **FAST).start()
        try:
            first = T0.replace(minute=0)
            step_until(process, lambda: stored("BTCUSDT", first) is not None)  # the stream's forming candle
            assert stored("BTCUSDT", first).close == Decimal(sandbox.account.prices["BTCUSDT"])
            missed = first + timedelta(minutes=5)
            assert stored("BTCUSDT", missed) is None

            sandbox_clock(sandbox, T0 + timedelta(minutes=10))  # ten minutes pass while the connection is down
            streams.control(drop=True, mute=None)
            step_until(process, lambda: process.repairs == 1)
            assert process._streams[0].connections == 2  # reconnected
            repaired = stored("BTCUSDT", missed)
            assert repaired is not None and repaired.is_closed  # the missing candle, from REST
            assert any(r.params.get("symbol") == "BTCUSDT" for r in rest.klines_requests)
        finally:
            process.stop()


def test_a_fired_stop_on_the_user_data_stream_wakes_the_trader_and_a_plain_fill_does_not(streams, binance_server):
    client = BinanceUsdmClient.create(base_url=binance_server.base_url, credentials=ApiCredentials(API_KEY, SECRET_KEY),
                                      timeout_s=5)
    woken: list[float] = []
    process = StreamProcess(symbols=[], ws_base_url=streams.base_url, user_data_transport=client.transport,
                            wake=lambda: woken.append(time.monotonic()), **FAST).start()
    try:
        sandbox_price(binance_server, "BTCUSDT", "50000")
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                           client_id="streams-entry")
        client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("49000"))
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            process.step(timeout_s=0.1)
        assert woken == []  # our own entry filled: nothing to wake for
        sandbox_price(binance_server, "BTCUSDT", "48900")  # Binance fires the stop at the mark price
        step_until(process, lambda: woken)
        assert process.wakes == 1
        streams.control(drop=True, mute=None)  # a fill could be missed while disconnected: woken again
        step_until(process, lambda: len(woken) == 2)
    finally:
        process.stop()
        client.close()


@pytest.fixture
def enabled(settings):
    settings.STREAMS_ENABLED = True
    settings.MARKET_DATA_SOURCE, settings.BINANCE_BASE_URL = "binance", "https://fapi.binance.com"


def test_off_by_default_or_on_another_source_no_stream_is_started(settings, caplog):
    from trader.models import TraderConfig

    caplog.set_level(logging.WARNING)
    call_command("run_streams", seconds=0.2, recheck=0.1)
    TraderConfig.objects.update_or_create(pk=1, defaults={"venue": "binance"})
    settings.STREAMS_ENABLED = True  # but the market data is the simulated market: never mixed with futures
    call_command("run_streams", seconds=0.2, recheck=0.1)
    messages = [r.getMessage() for r in caplog.records]
    assert any("STREAMS_ENABLED=false" in m for m in messages)
    assert any("need the USD-M futures klines" in m for m in messages)


@pytest.mark.parametrize(
    ("source", "base_url", "allowed"),
    [
        # the USD-M source reads /fapi/v1/klines whatever BINANCE_BASE_URL says
        ("binance_usdm", "https://api.binance.us", True),
        ("binance", "https://fapi.binance.com", True),
        ("binance", "https://api.binance.us", False),  # spot candles must never mix with the futures stream's
        ("simulated", "https://fapi.binance.com", False),
    ],
)
def test_streams_write_candles_only_over_the_usdm_futures_klines(settings, source, base_url, allowed):
    settings.STREAMS_ENABLED = True
    settings.MARKET_DATA_SOURCE, settings.BINANCE_BASE_URL = source, base_url
    refusal = streams_refusal()
    assert (refusal is None) is allowed
    if not allowed:
        assert "MARKET_DATA_SOURCE=binance_usdm" in refusal


COINEX_ID, COINEX_SECRET = "STREAMSCOINEXID0123456789", "streams-coinex-secret-0123456789abcdef"


@pytest.fixture
def coinex():
    """The loopback CoinEx (REST and WebSocket) on one sandbox account."""
    from coinex.sandbox import CoinExStreamServer, SandboxExchange, SandboxServer

    exchange = SandboxExchange(access_id=COINEX_ID, secret_key=COINEX_SECRET)
    rest = SandboxServer(exchange=exchange).start()
    ws = CoinExStreamServer(sandbox=exchange).start()
    yield exchange, rest, ws
    ws.stop()
    rest.stop()


def test_run_streams_on_coinex_caches_its_mark_prices_and_leaves_candles_to_rest(coinex, settings, redis_conn):
    from config.bus.client import bus_get_json
    from config.bus.schema import key_mark_price

    exchange, _rest, ws = coinex
    settings.STREAMS_ENABLED, settings.COINEX_FUTURES_WS_URL = True, ws.base_url  # CoinEx is the default venue
    candles_before = Candle.objects.count()
    call_command("run_streams", seconds=1.0, recheck=5)
    cached = bus_get_json(key=key_mark_price("BTCUSDT"))
    assert Decimal(cached["mark_price"]) == exchange.account.state.prices["BTCUSDT"]
    assert Candle.objects.count() == candles_before  # CoinEx's stream has no klines: REST stays the source


def test_a_position_coinex_closes_on_its_own_wakes_the_trader(coinex):
    from coinex.client import CoinExClient
    from coinex.dto import MarginMode

    _exchange, rest, ws = coinex
    woken = []
    credentials = ApiCredentials(COINEX_ID, COINEX_SECRET)
    process = StreamProcess(symbols=["BTCUSDT"], ws_base_url=ws.base_url, venue="coinex", credentials=credentials,
                            wake=lambda: woken.append(1), **FAST).start()
    client = CoinExClient.create(base_url=rest.base_url, credentials=credentials, timeout_s=5)
    try:
        step_until(process, lambda: process._user_stream is not None and process._user_stream.connected.is_set())
        httpx.post(f"{rest.admin_url}/price", json={"market": "BTCUSDT", "price": "50000"}, timeout=5)
        client.leverage_set(symbol="BTCUSDT", leverage=5, margin_mode=MarginMode.ISOLATED)
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                           client_id="wake-open-1")
        client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("49000"))
        for _ in range(5):  # the opening fill and position updates wake nobody
            process.step(timeout_s=0.1)
        assert woken == []
        httpx.post(f"{rest.admin_url}/price", json={"market": "BTCUSDT", "price": "48900"}, timeout=5)
        step_until(process, lambda: woken == [1])  # CoinEx's stop-loss closed it
    finally:
        client.close()
        process.stop()


def test_run_streams_on_binance_stores_the_enabled_coins_candles(streams, binance_server, settings, enabled):
    from trader.models import TraderConfig

    TraderConfig.objects.update_or_create(pk=1, defaults={"venue": "binance"})
    settings.BINANCE_FUTURES_WS_URL = streams.base_url
    sandbox_clock(binance_server.sandbox, T0)
    call_command("run_streams", seconds=1.5, recheck=5)
    assert stored("BTCUSDT", T0.replace(minute=0)) is not None


def test_waking_the_trader_queues_the_cycle_task_on_the_trader_queue():
    import json

    import redis
    from django.conf import settings

    from trader.services.streams import trader_wake

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    before = broker.llen("trader")
    trader_wake()
    try:
        assert broker.llen("trader") == before + 1
        message = json.loads(broker.lindex("trader", 0))
        assert message["headers"]["task"] == "trader.run_cycle"
    finally:
        broker.lpop("trader")  # no stray cycle for a later test's worker


def test_mark_prices_are_cached_per_coin_and_pushed_to_the_pages_at_most_once_per_interval(redis_conn):
    from config.bus.client import bus_get_json
    from config.bus.schema import Event, key_mark_price

    pushes = []
    process = StreamProcess(symbols=["BTCUSDT", "PEPEUSDT"], ws_base_url="ws://127.0.0.1:9", wake=lambda: None,
                            price_push_s=60, push=lambda **push: pushes.append(push) or True)
    frames = [("BTCUSDT", "61000.10"), ("1000PEPEUSDT", "0.01234"), ("BTCUSDT", "61000.20")]
    for venue_symbol, price in frames:  # as Binance sends them, every second per coin
        process.events.put(event_parse({"e": "markPriceUpdate", "E": int(time.time() * 1000), "s": venue_symbol,
                                        "p": price, "i": price, "r": "0.0001", "T": 0}))
        assert process.step(timeout_s=1)
    assert Decimal(bus_get_json(key=key_mark_price("PEPEUSDT"))["mark_price"]) == Decimal("0.00001234")
    assert Decimal(bus_get_json(key=key_mark_price("BTCUSDT"))["mark_price"]) == Decimal("61000.20")
    # One rendering for the burst: the first price went out at once, the rest wait for the next interval.
    assert [(p["event"], p["payload"]) for p in pushes] == [(Event.MARK_PRICES, {"symbols": ["BTCUSDT"]})]
