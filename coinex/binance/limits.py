"""Request-weight and order-count budgets tracked from Binance's response headers.

Binance counts per fixed window (aligned to the epoch) and reports the count so far in
every answer: ``X-MBX-USED-WEIGHT-1M`` (IP request weight) and ``X-MBX-ORDER-COUNT-10S`` /
``-1M`` (account order rate). Going over answers 429; carrying on after a 429 gets the IP
banned (418) for minutes to days. So before each request we add its known cost to the
last reported count and, when that would pass ``headroom`` of the limit, wait for the
window to roll over (or refuse with a retryable error when that wait is too long). After a
429 or 418 we refuse every request locally until ``Retry-After`` has passed.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from coinex.binance.codes import CODE_TOO_MANY_REQUESTS
from coinex.errors import ExchangeTemporaryError
from config.logging import Category

logger = logging.getLogger(__name__)

DEFAULT_HEADROOM = 0.9  # keep 10 % of each budget for what we cannot predict
DEFAULT_MAX_WAIT_S = 10.0  # longer waits are refused (retry later) rather than blocking a cycle
ROLLOVER_SLACK_S = 0.05
_HEADER = re.compile(r"x-mbx-(used-weight|order-count)-(\d+)([smhd])", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL_S = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}


class LimitKind(StrEnum):
    REQUEST_WEIGHT = "REQUEST_WEIGHT"
    ORDERS = "ORDERS"


@dataclass(frozen=True)
class RateLimit:
    """``limit`` units of ``kind`` per window of ``window_s`` seconds."""

    kind: LimitKind
    window_s: int
    limit: int


# Binance USD-M's published defaults (exchangeInfo ``rateLimits`` replaces them when read).
DEFAULT_LIMITS = (
    RateLimit(LimitKind.REQUEST_WEIGHT, 60, 2400),
    RateLimit(LimitKind.ORDERS, 60, 1200),
    RateLimit(LimitKind.ORDERS, 10, 300),
)


def limits_from_exchange_info(rate_limits: Iterable[Mapping[str, object]]) -> tuple[RateLimit, ...]:
    """The limits of an exchangeInfo ``rateLimits`` list (unknown kinds are skipped)."""
    parsed = []
    for item in rate_limits:
        kind, interval = str(item.get("rateLimitType")), str(item.get("interval"))
        if kind in LimitKind.__members__ and interval in _INTERVAL_S:
            window_s = _INTERVAL_S[interval] * int(str(item.get("intervalNum", 1)))
            parsed.append(RateLimit(LimitKind(kind), window_s, int(str(item["limit"]))))
    return tuple(parsed)


class UsageTracker:
    """Thread-safe budgets; ``clock`` (epoch seconds) and ``sleep`` are injectable."""

    def __init__(self, *, limits: Iterable[RateLimit] = DEFAULT_LIMITS, headroom: float = DEFAULT_HEADROOM,
                 max_wait_s: float = DEFAULT_MAX_WAIT_S, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = tuple(limits)
        self.headroom = headroom
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._sleep = sleep
        self._used: dict[tuple[LimitKind, int], tuple[int, int]] = {}  # -> (count, window index)
        self._blocked_until = 0.0
        self._blocked_reason = ""
        self._lock = threading.Lock()
        self.waited_s = 0.0  # total time spent waiting for a window (for logs and benches)

    def limits_set(self, limits: Iterable[RateLimit]) -> None:
        """Replace the limits (from exchangeInfo); counts already observed are kept."""
        limits = tuple(limits)
        if limits:
            self.limits = limits

    def used(self, kind: LimitKind, window_s: int) -> int:
        """The last reported count of ``kind`` in the current window (0 once it rolled over)."""
        with self._lock:
            return self._current(kind, window_s, self._clock())

    def _current(self, kind: LimitKind, window_s: int, now: float) -> int:
        count, index = self._used.get((kind, window_s), (0, -1))
        return count if index == int(now // window_s) else 0

    def block(self, *, seconds: float, reason: str) -> None:
        """Refuse every request for ``seconds`` (after a 429 or a 418)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)
            self._blocked_reason = reason

    def before(self, *, weight: int, orders: int) -> None:
        """Wait until a request costing ``weight`` and ``orders`` fits, or raise ``ExchangeTemporaryError``."""
        while True:
            with self._lock:
                now = self._clock()
                if now < self._blocked_until:
                    raise ExchangeTemporaryError(
                        f"Binance rate limit: not sending for {self._blocked_until - now:.1f} s more "
                        f"({self._blocked_reason})", code=CODE_TOO_MANY_REQUESTS)
                wait_s, binding = 0.0, ""
                for limit in self.limits:
                    cost = weight if limit.kind == LimitKind.REQUEST_WEIGHT else orders
                    if cost and self._current(limit.kind, limit.window_s, now) + cost > limit.limit * self.headroom:
                        window_end = (int(now // limit.window_s) + 1) * limit.window_s
                        if window_end - now + ROLLOVER_SLACK_S > wait_s:
                            wait_s, binding = window_end - now + ROLLOVER_SLACK_S, f"{limit.kind}/{limit.window_s}s"
                if wait_s == 0:
                    return
            if wait_s > self.max_wait_s:
                raise ExchangeTemporaryError(f"Binance {binding} budget used up; the window rolls over in "
                                             f"{wait_s:.1f} s", code=CODE_TOO_MANY_REQUESTS)
            logger.info("Binance budget nearly used: waiting %.2f s for the window to roll over", wait_s,
                        extra={"category": Category.API})
            self._sleep(wait_s)
            self.waited_s += wait_s

    def observe(self, headers: Mapping[str, str]) -> None:
        """Record the counts Binance reported in an answer's headers."""
        with self._lock:
            now = self._clock()
            for name, value in headers.items():
                match = _HEADER.fullmatch(name)
                if match is None:
                    continue
                kind = LimitKind.REQUEST_WEIGHT if match[1].lower() == "used-weight" else LimitKind.ORDERS
                window_s = int(match[2]) * _UNIT_S[match[3].lower()]
                try:
                    self._used[(kind, window_s)] = (int(value), int(now // window_s))
                except ValueError:
                    continue
