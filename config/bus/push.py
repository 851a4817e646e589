"""The one funnel for live pushes to browsers: Channels groups over the Redis layer.

Apps call ``push_event`` with a group and event from ``config.bus.schema``. What the
pages receive is decided by the live publisher the dashboard registers at start-up
(``dashboard.live``): it renders what changed **once**, in the producer's process, and
sends the finished text to each page's group; the consumers only forward it. A push is
best-effort like the rest of the bus: with Redis down it is dropped and the outage
logged once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from config.bus.client import json_default, outage
from config.bus.schema import Event, Group

# ``publisher(group=..., event=..., payload=...)``: renders and sends; raises OSError/RedisError on outage.
LivePublisher = Callable[..., None]
_publisher: LivePublisher | None = None

# The channel-layer message type the consumers forward as it is (``text`` is the finished JSON).
FORWARD_TYPE = "live.forward"


def live_publisher_register(publisher: LivePublisher) -> None:
    """Install the function that turns an event into page updates (the dashboard's, at start-up)."""
    global _publisher
    _publisher = publisher


def push_event(*, group: Group, event: Event, payload: Any) -> bool:
    """Hand ``event`` to the live publisher; True when it reached Redis (or had nothing to send).

    The payload is normalised to plain JSON types first (Decimal, datetime). Without a
    registered publisher (a process without the dashboard app) nothing is sent.
    """
    if _publisher is None:
        return True
    data = json.loads(json.dumps(payload, default=json_default))
    try:
        _publisher(group=group, event=event, payload=data)
    except (OSError, redis.RedisError) as error:
        outage.failed(error)
        return False
    outage.succeeded()
    return True


def groups_forward(*, messages: list[tuple[str, str]]) -> None:
    """Send each ``(group, finished message text)`` to every socket of the group, in order, in one event loop."""
    layer = get_channel_layer()

    async def send_all() -> None:
        for group, text in messages:
            await layer.group_send(group, {"type": FORWARD_TYPE, "text": text})

    async_to_sync(send_all)()
