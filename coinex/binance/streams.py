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
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from coinex.binance.parse import order_status_of
from coinex.binance.symbols import amount_to_platform, platform_symbol, price_to_platform, venue_symbol
from coinex.binance.transport import BinanceTransport
from coinex.client.parse import decimal, positive_or_none, time_from_ms
from coinex.dto import Candle
from coinex.streams import (
    AccountEvent,
    KlineEvent,
    MarkPriceEvent,
    OrderEvent,
    ReconnectingStream,
    StreamEvent,
)

__all__ = ["AccountEvent", "BinanceStream", "KlineEvent", "MarkPriceEvent", "OrderEvent", "StreamEvent",
           "event_parse", "listen_key_create", "listen_key_keepalive", "stream_names"]

DEFAULT_WS_URL = "wss://fstream.binance.com"
TESTNET_WS_URL = "wss://stream.binancefuture.com"
LISTEN_KEY_KEEPALIVE_S = 30 * 60


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


class BinanceStream(ReconnectingStream):
    """One Binance WebSocket subscription kept alive in a background thread (see the module docstring)."""

    venue = "Binance"

    @classmethod
    def combined(cls, *, base_url: str, streams: Iterable[str], **kwargs: Any) -> BinanceStream:
        """A combined market stream (``/stream?streams=a/b``) of ``streams``."""
        return cls(url=f"{base_url.rstrip('/')}/stream?streams={'/'.join(streams)}", **kwargs)

    @classmethod
    def user_data(cls, *, base_url: str, listen_key: str, **kwargs: Any) -> BinanceStream:
        """The account's user-data stream (``/ws/<listenKey>``)."""
        return cls(url=f"{base_url.rstrip('/')}/ws/{listen_key}", **kwargs)

    def _events(self, raw: str | bytes) -> list[StreamEvent]:
        event = event_parse(json.loads(raw))
        return [] if event is None else [event]
