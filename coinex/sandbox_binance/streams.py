"""The loopback server's WebSocket streams: mark price, 5m klines and the user-data stream.

``/stream?streams=btcusdt@markPrice@1s/btcusdt@kline_5m`` gets a combined-stream frame
(``{"stream", "data"}``) for each subscribed symbol on subscribing and whenever its mark
price changes (Binance pushes every second; here only changes, so a muted or idle server
stays silent);
``/ws/<listenKey>`` gets an ``ORDER_TRADE_UPDATE`` for every fill. The HTTP server notifies
this one after each call; its admin hook ``/_sandbox/ws`` drops every connection or mutes
the frames (to test reconnects and the silence alarm).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection

from coinex.loopback import LoopbackStreamServer
from coinex.sandbox_binance.server import BinanceSandbox
from config.logging import Category

logger = logging.getLogger(__name__)

KLINE_MS = 5 * 60 * 1000


@dataclass(eq=False)
class _Subscriber:
    connection: ServerConnection
    streams: frozenset[str] = frozenset()
    user_data: bool = False
    sent_fills: int = 0
    prices: dict[str, Decimal] = field(default_factory=dict)


class BinanceStreamServer(LoopbackStreamServer):
    """WebSocket streams of ``sandbox`` on ``host:port`` (0 = a free port), in a background thread."""

    thread_name = "binance-streams"

    def __init__(self, *, sandbox: BinanceSandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(sandbox=sandbox, host=host, port=port)

    @property
    def base_url(self) -> str:
        return self.address

    def _handle(self, connection: ServerConnection) -> None:
        split = urlsplit(connection.request.path if connection.request else "")
        if split.path == "/stream":
            names = frozenset(parse_qs(split.query).get("streams", [""])[0].split("/"))
            subscriber = _Subscriber(connection, streams=names)
        elif split.path.startswith("/ws/") and split.path.removeprefix("/ws/") in self.sandbox.account.listen_keys:
            subscriber = _Subscriber(connection, user_data=True, sent_fills=len(self.sandbox.account.trades))
        else:
            connection.close(code=1008, reason="unknown stream or listenKey")
            return
        with self._lock:
            self._subscribers.append(subscriber)
        if not subscriber.user_data:  # like Binance, a market stream starts with the current values
            with self.sandbox.lock:
                prices, now = dict(self.sandbox.account.prices), self.sandbox.now_ms()
            frames = [] if self.muted else self._market_frames(subscriber, prices, now)
            try:
                for frame in frames:
                    connection.send(json.dumps(frame))
            except ConnectionClosed:
                pass
        try:
            for _message in connection:  # clients send nothing we act on; wait for the close
                pass
        except ConnectionClosed:
            pass
        finally:
            self._forget(subscriber)

    def publish(self) -> None:
        """Send what changed since each subscriber's last frame (nothing while muted)."""
        if self.muted:
            return
        with self.sandbox.lock:
            prices = dict(self.sandbox.account.prices)
            trades = list(self.sandbox.account.trades)
            orders = {order["orderId"]: dict(order) for order in self.sandbox.account.orders}
            now = self.sandbox.now_ms()
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            frames = self._user_frames(subscriber, trades, orders, now) if subscriber.user_data else \
                self._market_frames(subscriber, prices, now)
            try:
                for frame in frames:
                    subscriber.connection.send(json.dumps(frame))
            except ConnectionClosed:
                continue

    @staticmethod
    def _market_frames(subscriber: _Subscriber, prices: dict[str, Decimal], now: int) -> list[dict[str, Any]]:
        frames = []
        for symbol, price in prices.items():
            if subscriber.prices.get(symbol) == price:
                continue
            subscriber.prices[symbol] = price
            lower, text = symbol.lower(), f"{price:f}"
            if f"{lower}@markPrice@1s" in subscriber.streams or f"{lower}@markPrice" in subscriber.streams:
                frames.append({"stream": f"{lower}@markPrice@1s", "data": {
                    "e": "markPriceUpdate", "E": now, "s": symbol, "p": text, "i": text, "P": text,
                    "r": "0.00010000", "T": (now // 28_800_000 + 1) * 28_800_000}})
            if f"{lower}@kline_5m" in subscriber.streams:
                start = now // KLINE_MS * KLINE_MS
                frames.append({"stream": f"{lower}@kline_5m", "data": {
                    "e": "kline", "E": now, "s": symbol, "k": {
                        "t": start, "T": start + KLINE_MS - 1, "s": symbol, "i": "5m", "o": text, "c": text,
                        "h": text, "l": text, "v": "0", "n": 0, "x": False, "q": "0", "V": "0", "Q": "0"}}})
        return frames

    @staticmethod
    def _user_frames(subscriber: _Subscriber, trades: list[dict[str, Any]], orders: dict[int, dict[str, Any]],
                     now: int) -> list[dict[str, Any]]:
        frames = []
        for trade in trades[subscriber.sent_fills:]:
            order = orders.get(trade["orderId"], {})
            frames.append({"e": "ORDER_TRADE_UPDATE", "E": now, "T": trade["time"], "o": {
                "s": trade["symbol"], "c": order.get("clientOrderId", ""), "S": trade["side"], "o": "MARKET",
                "ot": order.get("origType", "MARKET"), "x": "TRADE", "X": order.get("status", "FILLED"),
                "i": trade["orderId"], "q": trade["qty"], "l": trade["qty"],
                "z": order.get("executedQty", trade["qty"]), "L": trade["price"],
                "ap": order.get("avgPrice", trade["price"]), "n": trade["commission"], "N": "USDT",
                "rp": trade["realizedPnl"], "ps": trade["positionSide"], "T": trade["time"]}})
        subscriber.sent_fills = len(trades)
        if frames:
            logger.debug("user-data stream: %d order update(s)", len(frames), extra={"category": Category.API})
        return frames
