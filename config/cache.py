"""Django's cache on the platform's Redis, safe to clear.

The cache shares its Redis database with the Celery broker, the channel layer and the
bus. Django's ``RedisCache.clear()`` runs FLUSHDB, which would drop queued tasks and the
bus's keys; here it deletes only the cache's own keys (those under its KEY_PREFIX).

Django makes one cache object per thread, and under ASGI every request runs in a thread
of its own: with Django's class each request opened a new Redis connection (a TCP
handshake and its CPU per request). Here every cache object of the process shares one
client and its connection pool (redis-py's pool is thread-safe).
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

CLEAR_BATCH = 500

_clients: dict[tuple, RedisCacheClient] = {}
_clients_lock = threading.Lock()


class PrefixedRedisCache(RedisCache):
    """``RedisCache`` whose ``clear()`` removes only keys under ``KEY_PREFIX`` (required)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        if not self.key_prefix:
            raise ValueError("PrefixedRedisCache needs a KEY_PREFIX: clear() deletes only keys under it")

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), tuple(sorted((name, repr(value)) for name, value in self._options.items())))
        with _clients_lock:
            if key not in _clients:
                _clients[key] = self._class(self._servers, **self._options)
            return _clients[key]

    def clear(self) -> bool:
        """Delete every key of this cache (any version); other keys in the database stay."""
        client = self._cache.get_client(None, write=True)
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=CLEAR_BATCH):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
        return True
