"""Binance USD-M WebSocket streams: mark price, klines and the user-data stream, reconnecting.

A :class:`BinanceStream` subscribes to a combined stream (``/stream?streams=a/b``) or a
user-data stream (``/ws/<listenKey>``) in a background thread, turns each frame into a
typed event (raw JSON stops here) and hands it to ``on_event``. It reconnects with
jittered exponential backoff after a drop, treats a connection that sends no frame for
``silence_s`` as dead (logs an alarm and reconnects), and calls ``on_reconnect`` after
every reconnect so the owner can repair the gap from REST. The user-data stream needs a
listenKey: :func:`listen_key_create` / :func:`listen_key_keepalive` (every 30 minutes;
Binance expires a key after 60 without one).

The platform's stream process (``manage.py run_streams``, ``trader.services.streams``) owns
these subscriptions. See docs/EXCHANGES.md "Streams".
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import connect

from coinex.binance.parse import order_status_of
from coinex.binance.symbols import amount_to_platform, platform_symbol, price_to_platform, venue_symbol
from coinex.binance.transport import BinanceTransport
from coinex.client.parse import decimal, positive_or_none, time_from_ms
from coinex.client.transport import _refuse_real_exchange_under_test
from coinex.dto import Candle, OrderStatus
from config.logging import Category

logger = logging.getLogger(__name__)

DEFAULT_WS_URL = "wss://fstream.binance.com"
TESTNET_WS_URL = "wss://stream.binancefuture.com"
LISTEN_KEY_KEEPALIVE_S = 30 * 60
DEFAULT_SILENCE_S = 30.0
BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 30.0
OPEN_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class MarkPriceEvent:
    symbol: str
    mark_price: Decimal
    index_price: Decimal | None
    funding_rate: Decimal
    next_funding_at: datetime | None
    event_time: datetime


@dataclass(frozen=True)
class KlineEvent:
    """A kline update; ``closed`` once the candle is final."""

    interval: str
    candle: Candle
    closed: bool


@dataclass(frozen=True)
class OrderEvent:
    """``ORDER_TRADE_UPDATE``: an order changed; ``original_type`` is e.g. STOP_MARKET for a fired stop."""

    symbol: str
    order_id: str
    client_id: str
    status: OrderStatus
    original_type: str
    filled_amount: Decimal
    average_price: Decimal | None
    realized_pnl: Decimal
    event_time: datetime


@dataclass(frozen=True)
class AccountEvent:
    """``ACCOUNT_UPDATE`` (balances or positions changed) or ``listenKeyExpired`` (``expired``)."""

    reason: str
    expired: bool
    event_time: datetime


StreamEvent = MarkPriceEvent | KlineEvent | OrderEvent | AccountEvent


def stream_names(symbols: Iterable[str], *, kline_interval: str = "5m") -> list[str]:
    """Mark price (every second) and kline stream names of platform ``symbols`` (venue contracts:
    PEPEUSDT streams as 1000pepeusdt)."""
    names = []
    for symbol in symbols:
        lower = venue_symbol(symbol).lower()
        names += [f"{lower}@markPrice@1s", f"{lower}@kline_{kline_interval}"]
    return names


def event_parse(message: Mapping[str, Any]) -> StreamEvent | None:
    """One frame (a combined-stream wrapper or a bare event) as a typed event in platform terms
    (symbols, prices per coin, quantities in coins); None if not one we use."""
    data = message.get("data", message)
    kind = data.get("e")
    when = time_from_ms(data.get("E"))
    if kind == "markPriceUpdate":
        venue = data["s"]
        index = positive_or_none(data.get("i"))
        return MarkPriceEvent(symbol=platform_symbol(venue), mark_price=price_to_platform(venue, decimal(data["p"])),
                              index_price=None if index is None else price_to_platform(venue, index),
                              funding_rate=decimal(data.get("r")),
                              next_funding_at=time_from_ms(data["T"]) if data.get("T") else None, event_time=when)
    if kind == "kline":
        k = data["k"]
        venue = k["s"]

        def price(name: str) -> Decimal:
            return price_to_platform(venue, decimal(k[name]))

        candle = Candle(symbol=platform_symbol(venue), opened_at=time_from_ms(k["t"]), open=price("o"),
                        high=price("h"), low=price("l"), close=price("c"),
                        volume=amount_to_platform(venue, decimal(k["v"])))
        return KlineEvent(interval=k["i"], candle=candle, closed=bool(k.get("x")))
    if kind == "ORDER_TRADE_UPDATE":
        o = data["o"]
        venue, average = o["s"], positive_or_none(o.get("ap"))
        return OrderEvent(symbol=platform_symbol(venue), order_id=str(o["i"]), client_id=o.get("c", ""),
                          status=order_status_of({"status": o["X"], "executedQty": o.get("z")}),
                          original_type=o.get("ot", o.get("o", "")),
                          filled_amount=amount_to_platform(venue, decimal(o.get("z"))),
                          average_price=None if average is None else price_to_platform(venue, average),
                          realized_pnl=decimal(o.get("rp")),
                          event_time=when)
    if kind == "ACCOUNT_UPDATE":
        return AccountEvent(reason=str(data.get("a", {}).get("m", "")), expired=False, event_time=when)
    if kind == "listenKeyExpired":
        return AccountEvent(reason="listenKeyExpired", expired=True, event_time=when)
    return None


def listen_key_create(transport: BinanceTransport) -> str:
    """A user-data stream key (``POST /fapi/v1/listenKey``; the API key only, no signature)."""
    return str(transport.api_key_request("POST", "/fapi/v1/listenKey")["listenKey"])


def listen_key_keepalive(transport: BinanceTransport) -> None:
    """Extend the key's validity by 60 minutes (``PUT /fapi/v1/listenKey``); call every 30."""
    transport.api_key_request("PUT", "/fapi/v1/listenKey")


class BinanceStream:
    """One WebSocket subscription kept alive in a background thread (see the module docstring)."""

    def __init__(self, *, url: str, on_event: Callable[[StreamEvent], None],
                 on_reconnect: Callable[[], None] | None = None, silence_s: float = DEFAULT_SILENCE_S,
                 backoff_initial_s: float = BACKOFF_INITIAL_S, backoff_max_s: float = BACKOFF_MAX_S,
                 jitter: Callable[[], float] = random.random) -> None:
        _refuse_real_exchange_under_test(url)
        if urlsplit(url).scheme not in ("ws", "wss"):
            raise ValueError(f"not a WebSocket URL: {url!r}")
        self.url = url
        self.on_event = on_event
        self.on_reconnect = on_reconnect
        self.silence_s = silence_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._jitter = jitter
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket: Any = None
        self.connected = threading.Event()
        self.connections = 0  # successful connections so far (reconnects = connections - 1)
        self.silences = 0  # connections given up for sending nothing within silence_s

    @classmethod
    def combined(cls, *, base_url: str, streams: Iterable[str], **kwargs: Any) -> BinanceStream:
        """A combined market stream (``/stream?streams=a/b``) of ``streams``."""
        return cls(url=f"{base_url.rstrip('/')}/stream?streams={'/'.join(streams)}", **kwargs)

    @classmethod
    def user_data(cls, *, base_url: str, listen_key: str, **kwargs: Any) -> BinanceStream:
        """The account's user-data stream (``/ws/<listenKey>``)."""
        return cls(url=f"{base_url.rstrip('/')}/ws/{listen_key}", **kwargs)

    def start(self) -> BinanceStream:
        self._thread = threading.Thread(target=self._run, name="binance-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Close the connection and wait (at most ``timeout_s``) for the thread to end."""
        self._stop.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def _run(self) -> None:
        backoff_s = self.backoff_initial_s
        while not self._stop.is_set():
            try:
                with connect(self.url, open_timeout=OPEN_TIMEOUT_S, close_timeout=1, proxy=None) as socket:
                    self._socket = socket
                    self.connections += 1
                    self.connected.set()
                    if self.connections > 1 and self.on_reconnect is not None:
                        self.on_reconnect()  # the owner repairs the gap from REST
                    backoff_s = self.backoff_initial_s
                    self._receive(socket)
            except (ConnectionClosed, InvalidHandshake, InvalidURI, OSError) as error:
                logger.warning("Binance stream dropped (%s); reconnecting", type(error).__name__,
                               extra={"category": Category.API})
            finally:
                self._socket = None
                self.connected.clear()
            if self._stop.is_set():
                return
            delay_s = backoff_s * (0.5 + self._jitter())  # jittered: many clients do not reconnect in step
            self._stop.wait(delay_s)
            backoff_s = min(self.backoff_max_s, backoff_s * 2)

    def _receive(self, socket: Any) -> None:
        while not self._stop.is_set():
            try:
                raw = socket.recv(timeout=self.silence_s)
            except TimeoutError:
                self.silences += 1
                logger.error("Binance stream alarm: no frame for %.1f s on %s; reconnecting", self.silence_s,
                             urlsplit(self.url).path, extra={"category": Category.API})
                return
            try:
                event = event_parse(json.loads(raw))
            except (ValueError, KeyError, TypeError) as error:
                logger.warning("unreadable Binance stream frame: %s", error, extra={"category": Category.API})
                continue
            if event is not None:
                self.on_event(event)
