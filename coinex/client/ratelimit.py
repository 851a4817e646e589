"""Client-side token buckets, one per CoinEx rate-limit group, so we never earn a 4213.

CoinEx limits futures calls per group: placing orders 20/s, cancelling 40/s, balance
and positions 10/s (per user). A bucket holds up to ``rate_per_s`` tokens, refills
continuously, and :meth:`TokenBucket.acquire` waits for a token (thread-safe).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum


class RateGroup(StrEnum):
    ORDER = "order"
    CANCEL = "cancel"
    ACCOUNT = "account"  # balance and positions
    QUERY = "query"  # order status and order lists
    PUBLIC = "public"  # market data (limited per IP, generously)


DEFAULT_RATES_PER_S: dict[RateGroup, float] = {
    RateGroup.ORDER: 20,
    RateGroup.CANCEL: 40,
    RateGroup.ACCOUNT: 10,
    RateGroup.QUERY: 50,
    RateGroup.PUBLIC: 100,
}


# Float refills land a hair under a whole token; without this slack acquire() could spin.
_TOKEN_EPSILON = 1e-9


class TokenBucket:
    """``rate_per_s`` tokens a second with a burst of ``rate_per_s``; ``clock``/``sleep`` injectable."""

    def __init__(self, *, rate_per_s: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate_per_s = rate_per_s
        self.capacity = rate_per_s
        self._tokens = rate_per_s
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate_per_s)
        self._updated = now

    def try_acquire(self) -> bool:
        """Take one token if one is there now; False otherwise (never waits)."""
        with self._lock:
            self._refill()
            if self._tokens >= 1 - _TOKEN_EPSILON:
                self._tokens -= 1
                return True
            return False

    def acquire(self) -> float:
        """Take one token, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1 - _TOKEN_EPSILON:
                    self._tokens -= 1
                    return waited
                wait_s = (1 - self._tokens) / self.rate_per_s
            self._sleep(wait_s)
            waited += wait_s


def buckets_create(rates_per_s: dict[RateGroup, float] | None = None) -> dict[RateGroup, TokenBucket]:
    """One bucket per group with the default CoinEx rates (overridable per group)."""
    rates = {**DEFAULT_RATES_PER_S, **(rates_per_s or {})}
    return {group: TokenBucket(rate_per_s=rate) for group, rate in rates.items()}
