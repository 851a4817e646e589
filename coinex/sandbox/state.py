"""The sandbox's exchange: accounts, prices, rate limits and injected failures in memory."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from coinex.client.ratelimit import DEFAULT_RATES_PER_S, RateGroup, TokenBucket
from coinex.dto import Market
from coinex.simulator.engine import SimulatedAccount
from coinex.simulator.markets import default_markets, default_prices
from coinex.simulator.state import SimState

DEFAULT_BALANCE_USDT = Decimal("10000")
DEFAULT_FUNDING_RATE = Decimal("0.0001")
DEFAULT_WINDOW_MS = 5000


@dataclass
class InjectedFailure:
    """Fail the next ``count`` calls (matching ``path`` when given) with a CoinEx code or an HTTP error."""

    code: int | None = None
    message: str = "injected failure"
    http_status: int | None = None
    path: str | None = None
    count: int = 1


@dataclass
class InjectedLatency:
    """Delay the next ``count`` calls matching ``path``; ``phase`` before or after processing.

    ``drop`` (phase before only) discards the call after the delay without processing it,
    as a gateway that lost the request would.
    """

    seconds: float
    path: str | None = None
    count: int = 1
    phase: str = "after"
    drop: bool = False


@dataclass
class SandboxExchange:
    """All the sandbox's state; every method is thread-safe through ``lock``."""

    access_id: str
    secret_key: str
    starting_balance: Decimal = DEFAULT_BALANCE_USDT
    rates_per_s: dict[RateGroup, float] = field(default_factory=lambda: dict(DEFAULT_RATES_PER_S))
    markets: dict[str, Market] = field(default_factory=default_markets)
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock_skew_ms: int = 0
    funding_rates: dict[str, Decimal] = field(default_factory=dict)
    failures: deque[InjectedFailure] = field(default_factory=deque)
    latencies: deque[InjectedLatency] = field(default_factory=deque)
    request_counts: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Stream servers listening to changes (coinex.sandbox.streams): notified after each call.
    listeners: list[Any] = field(default_factory=list)
    account: SimulatedAccount = field(init=False)
    _buckets: dict[RateGroup, TokenBucket] = field(init=False)

    def __post_init__(self) -> None:
        self.reset(balance=self.starting_balance)

    def reset(self, *, balance: Decimal) -> None:
        """Start over: ``balance`` USDT, no positions or orders, default prices, no failures."""
        with self.lock:
            state = SimState(wallet=balance, prices=default_prices())
            self.account = SimulatedAccount(state=state, markets=self.markets, clock=self.now)
            self._buckets = {group: TokenBucket(rate_per_s=rate) for group, rate in self.rates_per_s.items()}
            self.failures.clear()
            self.latencies.clear()
            self.request_counts.clear()
            self.clock_skew_ms = 0

    def now_ms(self) -> int:
        """The sandbox clock in ms (real time plus the injected skew)."""
        return int(time.time() * 1000) + self.clock_skew_ms

    def now(self) -> datetime:
        """The sandbox clock as aware UTC."""
        return datetime.fromtimestamp(self.now_ms() / 1000, tz=UTC)

    def rate_limits_set(self, rates_per_s: dict[RateGroup, float], *,
                        clock: Callable[[], float] | None = None) -> None:
        """Replace the limits of the given groups (a frozen ``clock`` makes them never refill)."""
        with self.lock:
            for group, rate in rates_per_s.items():
                self._buckets[group] = TokenBucket(rate_per_s=rate, **({"clock": clock} if clock else {}))

    def rate_allow(self, group: RateGroup) -> bool:
        """Take a token of ``group``; False when the group is over its limit (answer 4213)."""
        bucket = self._buckets.get(group)
        if bucket is None:
            return True
        return bucket.try_acquire()

    def failure_take(self, path: str) -> InjectedFailure | None:
        """The injected failure for this call, if one is queued for it."""
        with self.lock:
            for failure in self.failures:
                if failure.path is None or failure.path == path:
                    failure.count -= 1
                    if failure.count <= 0:
                        self.failures.remove(failure)
                    return failure
        return None

    def latency_take(self, path: str, phase: str) -> InjectedLatency | None:
        """The latency queued for this call in ``phase``, if any."""
        with self.lock:
            for latency in self.latencies:
                if latency.phase == phase and (latency.path is None or latency.path == path):
                    latency.count -= 1
                    if latency.count <= 0:
                        self.latencies.remove(latency)
                    return latency
        return None

    def price_set(self, *, symbol: str, price: Decimal) -> list[int]:
        """Move ``symbol`` to ``price``; returns the ids of orders it filled (limits, TP/SL, liquidation)."""
        with self.lock:
            return [order.order_id for order in self.account.price_update(symbol=symbol, price=price)]

    def listeners_notify(self) -> None:
        """Tell the stream servers that prices, orders or positions may have changed."""
        for listener in list(self.listeners):
            listener.publish()

    def funding_rate(self, symbol: str) -> Decimal:
        """The funding rate of ``symbol`` (default 0.01 %)."""
        return self.funding_rates.get(symbol, DEFAULT_FUNDING_RATE)
