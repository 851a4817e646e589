"""The usage tracker on its own, with an injected clock: what it waits for and what it refuses."""

from __future__ import annotations

import pytest

from coinex.binance.limits import LimitKind, RateLimit, UsageTracker, limits_from_exchange_info
from coinex.errors import ExchangeTemporaryError


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def tracker_at(now: float, **kwargs) -> tuple[UsageTracker, FakeClock]:
    clock = FakeClock(now)
    limits = (RateLimit(LimitKind.REQUEST_WEIGHT, 60, 100), RateLimit(LimitKind.ORDERS, 10, 10))
    return UsageTracker(limits=limits, clock=clock, sleep=clock.sleep, **kwargs), clock


def test_headers_are_read_case_insensitively_per_window():
    tracker, _clock = tracker_at(1_000_020.0)
    tracker.observe({"x-mbx-used-weight-1m": "42", "X-MBX-ORDER-COUNT-10S": "3", "Content-Type": "json"})
    assert tracker.used(LimitKind.REQUEST_WEIGHT, 60) == 42 and tracker.used(LimitKind.ORDERS, 10) == 3


def test_a_request_that_would_pass_the_headroom_waits_for_the_next_window():
    tracker, clock = tracker_at(1_000_040.0, max_wait_s=60)  # 20 s into a minute window (1_000_040 % 60 == 20)
    tracker.observe({"X-MBX-USED-WEIGHT-1M": "88"})
    tracker.before(weight=1, orders=0)  # 89 <= 90 % of 100: no wait
    assert clock.slept == []
    tracker.before(weight=5, orders=0)  # 93 > 90: wait the 40 s left of the window
    assert clock.slept and 40 <= clock.slept[0] < 40.1


def test_a_wait_longer_than_allowed_is_refused_instead():
    tracker, clock = tracker_at(1_000_040.0, max_wait_s=5)
    tracker.observe({"X-MBX-USED-WEIGHT-1M": "95"})
    with pytest.raises(ExchangeTemporaryError, match="REQUEST_WEIGHT/60s budget used up"):
        tracker.before(weight=1, orders=0)
    tracker.before(weight=0, orders=1)  # weightless order calls are counted against orders only
    assert clock.slept == []


def test_a_block_refuses_until_it_ends():
    tracker, clock = tracker_at(1_000_000.0)
    tracker.block(seconds=30, reason="rate limited (429)")
    with pytest.raises(ExchangeTemporaryError, match="429"):
        tracker.before(weight=1, orders=0)
    clock.now += 31
    tracker.before(weight=1, orders=0)


def test_limits_come_from_exchange_info():
    limits = limits_from_exchange_info([
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
        {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
    ])
    assert limits == (RateLimit(LimitKind.REQUEST_WEIGHT, 60, 2400), RateLimit(LimitKind.ORDERS, 10, 300))
