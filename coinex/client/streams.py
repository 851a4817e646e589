"""CoinEx v2 futures WebSocket (``wss://socket.coinex.com/v2/futures``): mark prices and the
account's orders and positions, reconnecting (:class:`coinex.streams.ReconnectingStream`).

CoinEx's protocol: requests are JSON text ``{"method", "params", "id"}``; every server frame
is gzip-compressed JSON, either an answer ``{"id", "code", "message", "data"}`` (code 0 = OK)
or a push ``{"method": "...update", "data": ...}``.

- ``state.subscribe`` ``{"market_list": [...]}``: ``state.update`` pushes with each market's
  ``mark_price``, ``index_price`` and funding, about once a second.
- ``server.sign`` ``{"access_id", "signed_str", "timestamp"}`` authenticates the connection:
  ``signed_str`` is the lower-case hex HMAC-SHA256 of the millisecond timestamp (as text)
  under the secret key. Then ``order.subscribe`` / ``position.subscribe`` (``market_list``
  [] = every market): ``order.update`` (``event`` put/update/finish) and
  ``position.update`` (``event`` update/close/sys_close/adl/liq; a closed position has no
  ``open_interest`` left).
- ``server.ping`` is answered with a pong: a quiet account stream pings so that silence
  means a dead connection.

CoinEx's v2 WebSocket has no kline channel: candles stay on REST. Raw JSON stops here.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import itertools
import json
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from coinex.client.parse import decimal, positive_or_none, time_from_ms
from coinex.client.transport import ApiCredentials
from coinex.dto import OrderStatus
from coinex.streams import MarkPriceEvent, OrderEvent, PositionEvent, ReconnectingStream, StreamEvent
from config.logging import Category

logger = logging.getLogger(__name__)

DEFAULT_WS_URL = "wss://socket.coinex.com/v2/futures"
GZIP_MAGIC = b"\x1f\x8b"
CODE_AUTH_REQUIRED = 21001
CODE_AUTH_FAILED = 21002
# position.update events of a position that is gone (closed by an order, TP/SL, liquidation, ADL).
POSITION_CLOSED_EVENTS = frozenset({"close", "sys_close", "adl", "liq"})
SIGN_ANSWER_TIMEOUT_S = 10.0


def ws_sign_params(*, credentials: ApiCredentials, timestamp_ms: int) -> dict[str, Any]:
    """The ``server.sign`` parameters for ``credentials`` at ``timestamp_ms``."""
    signed = hmac.new(credentials.secret_key.encode(), str(timestamp_ms).encode(), hashlib.sha256).hexdigest()
    return {"access_id": credentials.access_id, "signed_str": signed.lower(), "timestamp": timestamp_ms}


def frame_decode(raw: str | bytes) -> Mapping[str, Any]:
    """One server frame as JSON (gzip-compressed binary, or plain text)."""
    if isinstance(raw, bytes):
        raw = gzip.decompress(raw) if raw[:2] == GZIP_MAGIC else raw
    message = json.loads(raw)
    if not isinstance(message, dict):
        raise ValueError(f"not a CoinEx frame: {str(message)[:80]}")
    return message


def frame_encode(message: Mapping[str, Any]) -> bytes:
    """A frame as the CoinEx server sends it (gzip-compressed JSON); used by the loopback server."""
    return gzip.compress(json.dumps(message, separators=(",", ":")).encode())


def _order_status(event: str, order: Mapping[str, Any]) -> OrderStatus:
    filled = decimal(order.get("filled_amount"))
    if event == "finish":
        if filled and decimal(order.get("unfilled_amount")) == 0:
            return OrderStatus.FILLED
        return OrderStatus.PART_CANCELED if filled else OrderStatus.CANCELED
    return OrderStatus.PART_FILLED if filled else OrderStatus.OPEN


def event_parse(message: Mapping[str, Any], *, now: datetime | None = None) -> list[StreamEvent]:
    """The events of one decoded frame (answers to requests carry none)."""
    method, data = message.get("method"), message.get("data") or {}
    now = now or datetime.now(tz=UTC)
    if method == "state.update":
        return [MarkPriceEvent(symbol=item["market"], mark_price=decimal(item["mark_price"]),
                               index_price=positive_or_none(item.get("index_price")),
                               funding_rate=decimal(item.get("latest_funding_rate")),
                               next_funding_at=time_from_ms(item["next_funding_time"])
                               if item.get("next_funding_time") else None, event_time=now)
                for item in data.get("state_list", []) if positive_or_none(item.get("mark_price"))]
    if method == "order.update":
        order, event = data["order"], str(data.get("event", ""))
        filled = decimal(order.get("filled_amount"))
        return [OrderEvent(symbol=order["market"], order_id=str(order["order_id"]),
                           client_id=order.get("client_id") or "", status=_order_status(event, order),
                           original_type=str(order.get("type", "")), filled_amount=filled,
                           average_price=decimal(order.get("filled_value")) / filled if filled else None,
                           realized_pnl=decimal(order.get("realized_pnl")),
                           event_time=time_from_ms(order.get("updated_at")) if order.get("updated_at") else now)]
    if method == "position.update":
        position, event = data["position"], str(data.get("event", ""))
        amount = decimal(position.get("open_interest"))
        return [PositionEvent(symbol=position["market"], event=event,
                              closed=event in POSITION_CLOSED_EVENTS or amount == 0, amount=amount,
                              event_time=time_from_ms(position.get("updated_at")) if position.get("updated_at")
                              else now)]
    return []


class CoinExStream(ReconnectingStream):
    """One CoinEx futures WebSocket connection: the mark prices of ``markets`` and, with
    ``credentials``, the account's order and position updates."""

    venue = "CoinEx"

    def __init__(self, *, url: str, markets: Iterable[str] = (), credentials: ApiCredentials | None = None,
                 account: bool = False, **kwargs: Any) -> None:
        super().__init__(url=url, **kwargs)
        self.markets = sorted(markets)
        self.credentials = credentials
        self.account = account
        self.auth_error: str | None = None
        self._ids = itertools.count(1)

    @classmethod
    def market(cls, *, base_url: str, markets: Iterable[str], **kwargs: Any) -> CoinExStream:
        """Mark prices (``state.subscribe``) of ``markets``."""
        return cls(url=base_url, markets=markets, **kwargs)

    @classmethod
    def user_data(cls, *, base_url: str, credentials: ApiCredentials, **kwargs: Any) -> CoinExStream:
        """The account's orders and positions on every market (signed with ``credentials``)."""
        return cls(url=base_url, credentials=credentials, account=True, **kwargs)

    def _request(self, socket: Any, method: str, params: Mapping[str, Any]) -> int:
        request_id = next(self._ids)
        socket.send(json.dumps({"method": method, "params": params, "id": request_id}))
        return request_id

    def _opened(self, socket: Any) -> None:
        if self.account:
            if self.credentials is None:
                raise ValueError("an account stream needs credentials")
            if not self._sign(socket):
                return
            self._request(socket, "order.subscribe", {"market_list": []})
            self._request(socket, "position.subscribe", {"market_list": []})
        if self.markets:
            self._request(socket, "state.subscribe", {"market_list": self.markets})

    def _sign(self, socket: Any) -> bool:
        """``server.sign`` and wait for its answer; False when refused, which stops this stream for
        good (a retry with the same key would be refused again; the error is logged)."""
        request_id = self._request(socket, "server.sign", ws_sign_params(
            credentials=self.credentials, timestamp_ms=int(time.time() * 1000)))  # type: ignore[arg-type]
        deadline = time.monotonic() + SIGN_ANSWER_TIMEOUT_S
        while time.monotonic() < deadline:
            answer = frame_decode(socket.recv(timeout=max(0.01, deadline - time.monotonic())))
            if answer.get("id") != request_id:
                continue
            if answer.get("code") == 0:
                return True
            self.auth_error = f"CoinEx refused server.sign ({answer.get('code')}): {answer.get('message')}"
            logger.error("%s; the account stream stops (check the API key)", self.auth_error,
                         extra={"category": Category.API})
            self._stop.set()
            socket.close()
            return False
        raise TimeoutError("no answer to server.sign")

    def _ping(self, socket: Any) -> bool:
        self._request(socket, "server.ping", {})
        return True

    def _events(self, raw: str | bytes) -> list[StreamEvent]:
        return event_parse(frame_decode(raw))
