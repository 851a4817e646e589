"""A request budget shared by every process: at most N requests per 5-minute window, counted in Redis.

Binance's USD-M public data endpoints (``/futures/data/*``) allow about 1000 requests per
5 minutes per IP, whoever sends them; the platform takes a configurable share of it
(``DERIVATIVES_BUDGET_REQUESTS_5M``, well under 1000, since the windows here are fixed and
aligned on the epoch: two windows' bursts back to back stay under Binance's limit). A
process-local counter would let each worker spend the whole share.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import redis

from config.bus.schema import key_request_budget
from config.logging import Category
from ta.sources.base import SourceTemporaryError

logger = logging.getLogger(__name__)

WINDOW_S = 300


class BudgetExhaustedError(SourceTemporaryError):
    """The window's budget is spent and waiting for the next would take longer than allowed."""

    def __init__(self, message: str, *, resume_at: datetime) -> None:
        super().__init__(message)
        self.resume_at = resume_at


class RequestBudget:
    """``acquire()`` before each request: returns at once while the window has room, waits for
    the next window when that is at most ``max_wait_s`` away, else raises ``BudgetExhaustedError``."""

    def __init__(
        self,
        *,
        redis: redis.Redis,
        limit: int,
        name: str = "binance_data",
        window_s: int = WINDOW_S,
        max_wait_s: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.redis, self.limit, self.name, self.window_s, self.max_wait_s = redis, limit, name, window_s, max_wait_s
        self.clock, self.sleep = clock, sleep
        self.waited_s = 0.0

    def acquire(self) -> None:
        """Count one request in the current window (see the class docstring)."""
        while True:
            now_s = self.clock().timestamp()
            window = int(now_s // self.window_s)
            key = key_request_budget(self.name, window)
            try:
                pipe = self.redis.pipeline()
                pipe.incr(key)
                pipe.expire(key, 2 * self.window_s)
                used = int(pipe.execute()[0])
            except redis.RedisError as error:
                # Without the shared count, requests could exceed the IP's budget: do not send.
                raise SourceTemporaryError(f"request budget unavailable (Redis): {error}") from None
            if used <= self.limit:
                return
            wait_s = (window + 1) * self.window_s - now_s + 0.1
            resume_at = datetime.fromtimestamp((window + 1) * self.window_s, tz=UTC)
            if wait_s > self.max_wait_s:
                raise BudgetExhaustedError(
                    f"{self.name}: {self.limit} requests per {self.window_s} s spent; next window at "
                    f"{resume_at.isoformat()}", resume_at=resume_at,
                )
            logger.info("%s: request budget spent; waiting %.1f s for the next window", self.name, wait_s,
                        extra={"category": Category.SCAN})
            self.waited_s += wait_s
            self.sleep(wait_s)
