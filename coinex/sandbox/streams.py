"""The CoinEx sandbox's WebSocket side: CoinEx v2 futures streams on loopback.

Speaks the protocol :mod:`coinex.client.streams` documents: JSON requests, gzip-compressed
answers and pushes; ``server.sign`` checked against the sandbox's key (21002 when wrong),
``order.subscribe`` / ``position.subscribe`` refused before it (21001); ``state.subscribe``
answered with the subscribed markets' current state and then a ``state.update`` whenever a
mark price changes (CoinEx pushes every second; here only changes, so an idle or muted
server stays silent); ``order.update`` and ``position.update`` (``close`` when a position is
gone: closed by an order, its TP/SL or a liquidation) after every change to the account;
``server.ping`` answered. The HTTP server notifies this one after each call
(``SandboxExchange.listeners``); :meth:`CoinExStreamServer.control` drops every connection
or mutes the frames (reconnect and silence tests).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection

from coinex.client.streams import CODE_AUTH_FAILED, CODE_AUTH_REQUIRED, frame_encode
from coinex.loopback import LoopbackStreamServer
from coinex.sandbox.state import DEFAULT_WINDOW_MS, SandboxExchange
from coinex.simulator.state import SimOrder, SimPosition

CODE_BAD_METHOD = 20002


@dataclass(eq=False)
class _Subscriber:
    connection: ServerConnection
    authenticated: bool = False
    markets: frozenset[str] = frozenset()
    orders: bool = False
    positions: bool = False
    prices: dict[str, Decimal] = field(default_factory=dict)
    order_states: dict[int, tuple[str, Decimal]] = field(default_factory=dict)
    position_states: dict[str, dict[str, Any]] = field(default_factory=dict)


def _text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _order_json(order: SimOrder, now_ms: int) -> dict[str, Any]:
    return {"order_id": order.order_id, "market": order.symbol, "side": str(order.side), "type": str(order.type),
            "amount": _text(order.amount), "price": _text(order.price), "client_id": order.client_id or "",
            "filled_amount": _text(order.filled_amount), "filled_value": _text(order.filled_value),
            "unfilled_amount": _text(order.amount - order.filled_amount), "fee": _text(order.fee),
            "fee_ccy": "USDT", "realized_pnl": _text(order.realized_pnl),
            "created_at": int(order.created_at.timestamp() * 1000), "updated_at": now_ms}


def _position_json(position: SimPosition, now_ms: int) -> dict[str, Any]:
    return {"position_id": position.position_id, "market": position.symbol, "side": str(position.side),
            "margin_mode": str(position.margin_mode), "open_interest": _text(position.amount),
            "avg_entry_price": _text(position.entry_price), "leverage": str(position.leverage),
            "take_profit_price": _text(position.take_profit_price), "stop_loss_price": _text(position.stop_loss_price),
            "realized_pnl": _text(position.realized_pnl), "updated_at": now_ms}


class CoinExStreamServer(LoopbackStreamServer):
    """CoinEx futures streams of ``sandbox`` on ``host:port`` (0 = a free port), in a background thread."""

    thread_name = "coinex-streams"

    def __init__(self, *, sandbox: SandboxExchange, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(sandbox=sandbox, host=host, port=port)

    @property
    def base_url(self) -> str:
        """The URL a client connects to (CoinEx's path ``/v2/futures``)."""
        return f"{self.address}/v2/futures"

    # --- requests ---------------------------------------------------------------------------------
    def _handle(self, connection: ServerConnection) -> None:
        subscriber = _Subscriber(connection)
        with self._lock:
            self._subscribers.append(subscriber)
        try:
            for raw in connection:
                try:
                    request = json.loads(raw)
                    answer = self._answer(subscriber, str(request["method"]), request.get("params") or {})
                except (ValueError, KeyError, TypeError):
                    request, answer = {}, {"code": 20001, "message": "invalid request", "data": {}}
                if not self.muted:  # a muted server answers nothing, pings included
                    self._send(subscriber, {"id": request.get("id"), **answer})
                if request.get("method") == "state.subscribe" and answer["code"] == 0:
                    self.publish(only=subscriber)  # like CoinEx, the current state at once
        except ConnectionClosed:
            pass
        finally:
            self._forget(subscriber)

    def _answer(self, subscriber: _Subscriber, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ok = {"code": 0, "message": "OK", "data": {}}
        if method == "server.ping":
            return {**ok, "data": {"result": "pong"}}
        if method == "server.sign":
            if not self._signature_valid(params):
                return {"code": CODE_AUTH_FAILED, "message": "auth failed", "data": {}}
            subscriber.authenticated = True
            return ok
        if method == "state.subscribe":
            with self.sandbox.lock:
                listed = set(self.sandbox.account.state.prices)
            wanted = set(params.get("market_list") or listed)
            subscriber.markets = frozenset(wanted & listed)
            return ok
        if method in ("order.subscribe", "position.subscribe"):
            if not subscriber.authenticated:
                return {"code": CODE_AUTH_REQUIRED, "message": "authentication required", "data": {}}
            with self.sandbox.lock:  # what exists now is not news
                state, now_ms = self.sandbox.account.state, self.sandbox.now_ms()
                if method == "order.subscribe":
                    subscriber.orders = True
                    subscriber.order_states = {o.order_id: (str(o.status), o.filled_amount)
                                               for o in state.orders.values()}
                else:
                    subscriber.positions = True
                    subscriber.position_states = {s: _position_json(p, now_ms) for s, p in state.positions.items()}
            return ok
        return {"code": CODE_BAD_METHOD, "message": f"method {method} not found", "data": {}}

    def _signature_valid(self, params: dict[str, Any]) -> bool:
        try:
            timestamp_ms = int(params["timestamp"])
        except (KeyError, TypeError, ValueError):
            return False
        expected = hmac.new(self.sandbox.secret_key.encode(), str(timestamp_ms).encode(), hashlib.sha256).hexdigest()
        return (params.get("access_id") == self.sandbox.access_id
                and hmac.compare_digest(expected, str(params.get("signed_str", "")))
                and abs(self.sandbox.now_ms() - timestamp_ms) <= DEFAULT_WINDOW_MS)

    # --- pushes -----------------------------------------------------------------------------------
    def publish(self, *, only: _Subscriber | None = None) -> None:
        """Send each subscriber what changed since its last frame (nothing while muted)."""
        if self.muted:
            return
        with self.sandbox.lock:
            state, now_ms = self.sandbox.account.state, self.sandbox.now_ms()
            prices = dict(state.prices)
            orders = {order_id: (order, _order_json(order, now_ms)) for order_id, order in state.orders.items()}
            positions = {symbol: _position_json(position, now_ms) for symbol, position in state.positions.items()}
            funding = {symbol: self.sandbox.funding_rate(symbol) for symbol in prices}
        with self._lock:
            subscribers = [only] if only is not None else list(self._subscribers)
        for subscriber in subscribers:
            frames = [*self._state_frames(subscriber, prices, funding, now_ms),
                      *self._order_frames(subscriber, orders), *self._position_frames(subscriber, positions, now_ms)]
            for frame in frames:
                self._send(subscriber, {"id": None, **frame})

    @staticmethod
    def _state_frames(subscriber: _Subscriber, prices: dict[str, Decimal], funding: dict[str, Decimal],
                      now_ms: int) -> list[dict[str, Any]]:
        changed = [symbol for symbol in sorted(subscriber.markets) if subscriber.prices.get(symbol) != prices[symbol]]
        if not changed:
            return []
        subscriber.prices.update({symbol: prices[symbol] for symbol in changed})
        next_funding_ms = (now_ms // 28_800_000 + 1) * 28_800_000
        return [{"method": "state.update", "data": {"state_list": [
            {"market": symbol, "last": _text(prices[symbol]), "mark_price": _text(prices[symbol]),
             "index_price": _text(prices[symbol]), "latest_funding_rate": _text(funding[symbol]),
             "next_funding_rate": _text(funding[symbol]), "next_funding_time": next_funding_ms, "period": 86400}
            for symbol in changed]}}]

    @staticmethod
    def _order_frames(subscriber: _Subscriber, orders: dict[int, tuple[SimOrder, dict[str, Any]]]
                      ) -> list[dict[str, Any]]:
        if not subscriber.orders:
            return []
        frames = []
        for order_id, (order, data) in sorted(orders.items()):
            now = (str(order.status), order.filled_amount)
            before = subscriber.order_states.get(order_id)
            if before == now:
                continue
            subscriber.order_states[order_id] = now
            event = "finish" if order.status.is_final else "put" if before is None else "update"
            frames.append({"method": "order.update", "data": {"event": event, "order": data}})
        return frames

    @staticmethod
    def _position_frames(subscriber: _Subscriber, positions: dict[str, dict[str, Any]], now_ms: int
                         ) -> list[dict[str, Any]]:
        if not subscriber.positions:
            return []
        frames = []
        for symbol, data in sorted(positions.items()):
            before = subscriber.position_states.get(symbol)
            if before is None or {k: v for k, v in before.items() if k != "updated_at"} != \
                    {k: v for k, v in data.items() if k != "updated_at"}:
                frames.append({"method": "position.update", "data": {"event": "update", "position": data}})
        for symbol in sorted(set(subscriber.position_states) - set(positions)):
            gone = {**subscriber.position_states[symbol], "open_interest": "0", "updated_at": now_ms}
            frames.append({"method": "position.update", "data": {"event": "close", "position": gone}})
        subscriber.position_states = dict(positions)
        return frames

    def _send(self, subscriber: _Subscriber, message: dict[str, Any]) -> None:
        try:
            subscriber.connection.send(frame_encode(message))
        except ConnectionClosed:
            pass
