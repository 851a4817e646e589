"""Throttling per API key (or per user, or per client address when anonymous).

The rate is ``API_THROTTLE_RATE`` ("120/min"), read on every request so an operator's
change applies without a restart. A throttled request gets 429 with ``Retry-After``.
The counters live in Django's default cache, which is Redis: one budget per key across
every web process. With Redis unreachable the request is let through (logged once per
outage by the bus's tracker): an operator's emergency stop must never fail on a counter.
"""

from __future__ import annotations

import redis
from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from config.bus.client import outage
from trader.api.authentication import ApiKeyPrincipal


class PerKeyRateThrottle(SimpleRateThrottle):
    """One bucket per API key, per logged-in user, or per address for anonymous calls."""

    scope = "api"

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATE or None

    def allow_request(self, request: Request, view) -> bool:
        # The rate is re-read per request (SimpleRateThrottle reads it once per instance).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            allowed = super().allow_request(request, view)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
            outage.failed(error)
            return True
        outage.succeeded()
        return allowed

    def get_cache_key(self, request: Request, view) -> str:
        user = request.user
        if isinstance(user, ApiKeyPrincipal):
            ident = f"key-{user.api_key.pk}"
        elif user and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
