"""The bus's Redis client: JSON publish and cache writes that never break the caller.

The bus is additive (DESIGN.md): with Redis down, market data still lands in the
database and the trader still trades. So every write here swallows connection errors,
logs the outage once when it starts and once when Redis is back, and reports success
as a boolean for callers that care.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

from config.logging import Category

logger = logging.getLogger(__name__)


def json_default(value: Any) -> Any:
    """JSON for the types the platform publishes: Decimal as string, datetimes as ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_dumps(payload: Any) -> str:
    """Compact JSON as published on the bus."""
    return json.dumps(payload, default=json_default, separators=(",", ":"))


@lru_cache(maxsize=4)
def _client_for(url: str, timeout_s: float) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        decode_responses=True,
    )


def redis_client() -> redis.Redis:
    """The shared Redis client for ``settings.REDIS_URL`` (connection-pooled, decoded)."""
    return _client_for(settings.REDIS_URL, settings.REDIS_SOCKET_TIMEOUT_S)


class _OutageTracker:
    """Logs a Redis outage once at its start and once at its end, not per write."""

    def __init__(self) -> None:
        self._down = False
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self._down

    def failed(self, error: Exception) -> None:
        with self._lock:
            if self._down:
                return
            self._down = True
        logger.error(
            "Redis unreachable; the bus is paused, work goes on without it: %s",
            error,
            extra={"category": Category.SYSTEM},
        )

    def succeeded(self) -> None:
        if not self._down:
            return
        with self._lock:
            if not self._down:
                return
            self._down = False
        logger.warning("Redis is back; bus publishing resumed", extra={"category": Category.SYSTEM})


outage = _OutageTracker()


def _run(operation: Any) -> bool:
    try:
        operation(redis_client())
    except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
        outage.failed(error)
        return False
    outage.succeeded()
    return True


def bus_publish(*, channel: str, payload: Any) -> bool:
    """Publish ``payload`` as JSON on ``channel``; False when Redis is unreachable."""
    message = json_dumps(payload)
    return _run(lambda client: client.publish(channel, message))


def bus_set_json(*, key: str, payload: Any, ttl_s: int | None = None) -> bool:
    """Store ``payload`` as JSON at ``key`` (with a TTL in seconds when given)."""
    value = json_dumps(payload)
    return _run(lambda client: client.set(key, value, ex=ttl_s))


def bus_set_and_publish(*, key: str, ttl_s: int | None, channel: str, payload: Any) -> bool:
    """Cache and publish one payload in a single round trip (a pipeline)."""
    message = json_dumps(payload)

    def operation(client: redis.Redis) -> None:
        pipe = client.pipeline(transaction=False)
        pipe.set(key, message, ex=ttl_s)
        pipe.publish(channel, message)
        pipe.execute()

    return _run(operation)


def bus_get_json(*, key: str) -> Any | None:
    """The JSON value at ``key``, or None when absent or Redis is unreachable."""
    try:
        raw = redis_client().get(key)
    except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
        outage.failed(error)
        return None
    outage.succeeded()
    return None if raw is None else json.loads(raw)
