"""Exchange WebSocket streams, whatever the venue: typed events and one reconnecting connection.

The venues' stream modules (:mod:`coinex.binance.streams`, :mod:`coinex.client.streams`) turn
their frames into the events below (raw JSON stops there) and subclass
:class:`ReconnectingStream`, which keeps one connection alive in a background thread:
jittered exponential backoff after a drop, an alarm and a reconnect when no frame arrives
for ``silence_s``, ``on_reconnect`` after every reconnect so the owner can catch up. See
docs/EXCHANGES.md "Streams".
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import connect

from coinex.client.transport import _refuse_real_exchange_under_test
from coinex.dto import Candle, OrderStatus
from config.logging import Category

logger = logging.getLogger(__name__)

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
    """An order changed; ``original_type`` is e.g. STOP_MARKET for a fired Binance stop."""

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
class PositionEvent:
    """A position changed; ``closed`` when the exchange reports it gone (closed by an order, its
    take-profit or stop-loss, a liquidation or an auto-deleveraging)."""

    symbol: str
    event: str
    closed: bool
    amount: Decimal
    event_time: datetime


@dataclass(frozen=True)
class AccountEvent:
    """Balances or positions changed, or the subscription expired (``expired``: subscribe anew)."""

    reason: str
    expired: bool
    event_time: datetime


StreamEvent = MarkPriceEvent | KlineEvent | OrderEvent | PositionEvent | AccountEvent


class ReconnectingStream:
    """One WebSocket subscription kept alive in a background thread.

    Subclasses say what a connection sends after opening (:meth:`_opened`) and how a frame
    becomes events (:meth:`_events`); ``venue`` names them in the logs.
    """

    venue = "exchange"

    def __init__(self, *, url: str, on_event: Callable[[StreamEvent], None],
                 on_reconnect: Callable[[], None] | None = None, silence_s: float | None = DEFAULT_SILENCE_S,
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

    # --- what a venue says ---------------------------------------------------------------------
    def _opened(self, socket: Any) -> None:
        """Send what the venue needs after connecting (subscriptions, a login); nothing by default."""

    def _events(self, raw: str | bytes) -> list[StreamEvent]:
        """The events of one frame (``ValueError``/``KeyError``/``TypeError`` when unreadable)."""
        raise NotImplementedError

    def _ping(self, socket: Any) -> bool:
        """Ask the venue for an answer frame (an application-level ping); False when it has none.

        With a ping, a quiet subscription (an account with no fills) is not taken for a dead one:
        only ``silence_s`` without any frame, answers included, raises the alarm.
        """
        return False

    # --- the connection ------------------------------------------------------------------------
    def start(self) -> ReconnectingStream:
        self._thread = threading.Thread(target=self._run, name=f"{self.venue}-stream", daemon=True)
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
                    self._opened(socket)
                    if self._stop.is_set():  # the venue refused the connection for good (a bad key)
                        return
                    self.connections += 1
                    self.connected.set()
                    if self.connections > 1 and self.on_reconnect is not None:
                        self.on_reconnect()  # the owner catches up on what it missed
                    backoff_s = self.backoff_initial_s
                    self._receive(socket)
            except (ConnectionClosed, InvalidHandshake, InvalidURI, OSError) as error:
                logger.warning("%s stream dropped (%s); reconnecting", self.venue, type(error).__name__,
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
        """Frames until the connection drops; ``silence_s`` None: no alarm (a subscription that is
        quiet by nature; the WebSocket protocol's own pings still detect a dead connection)."""
        last_frame_at = time.monotonic()
        while not self._stop.is_set():
            wait_s = None if self.silence_s is None else max(0.05, self.silence_s / 3)
            try:
                raw = socket.recv(timeout=wait_s)
            except TimeoutError:
                if time.monotonic() - last_frame_at < self.silence_s:  # type: ignore[operator]
                    self._ping(socket)  # a quiet stream answers; a dead one stays silent
                    continue
                self.silences += 1
                logger.error("%s stream alarm: no frame for %.1f s on %s; reconnecting", self.venue, self.silence_s,
                             urlsplit(self.url).path, extra={"category": Category.API})
                return
            last_frame_at = time.monotonic()
            try:
                events = self._events(raw)
            except (ValueError, KeyError, TypeError, OSError) as error:
                logger.warning("unreadable %s stream frame: %s", self.venue, error, extra={"category": Category.API})
                continue
            for event in events:
                self.on_event(event)
