"""Django's cache on the platform's Redis, safe to clear.

The cache shares its Redis database with the Celery broker, the channel layer and the
bus. Django's ``RedisCache.clear()`` runs FLUSHDB, which would drop queued tasks and the
bus's keys; here it deletes only the cache's own keys (those under its KEY_PREFIX).
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache

CLEAR_BATCH = 500


class PrefixedRedisCache(RedisCache):
    """``RedisCache`` whose ``clear()`` removes only keys under ``KEY_PREFIX`` (required)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        if not self.key_prefix:
            raise ValueError("PrefixedRedisCache needs a KEY_PREFIX: clear() deletes only keys under it")

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
