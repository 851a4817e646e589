"""The one funnel for live pushes to browsers: Channels groups over the Redis layer.

Apps call ``push_event`` with a group and event from ``config.bus.schema``; the
dashboard consumers only forward what arrives. A push is best-effort like the rest of
the bus: with Redis down it is dropped and the outage logged once.
"""

from __future__ import annotations

import json
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from config.bus.client import json_default, outage
from config.bus.schema import Event, Group


def push_event(*, group: Group, event: Event, payload: Any) -> bool:
    """Send ``payload`` to every socket in ``group`` as ``{"event": event, "data": payload}``.

    The payload is normalised to plain JSON types first (Decimal, datetime), so the
    channel layer's msgpack encoding never meets a type it cannot carry.
    """
    data = json.loads(json.dumps(payload, default=json_default))
    try:
        async_to_sync(get_channel_layer().group_send)(str(group), {"type": str(event), "data": data})
    except (OSError, redis.RedisError) as error:
        outage.failed(error)
        return False
    outage.succeeded()
    return True
