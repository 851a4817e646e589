"""Issue 16 item 3 (and item 5's last point): the breaker stops the very cycle that trips it, and its alert
goes out once per trip.

Before the fix, five 429s on order placement were followed by seven successful opens in
the same cycle, recorded ``ok``; the lock only came afterwards. And every failed cycle
while latched sent the circuit-breaker alert again.
"""

from decimal import Decimal as D

import pytest

from coinex.simulator.markets import default_prices
from trader.cycle.run import cycle_run
from trader.models import Decision, LockKind
from trader.services.config import config_update
from trader.services.status import status_get
from trader.tests.faults.conftest import ORDER_PATH

pytestmark = pytest.mark.django_db

SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "LINKUSDT")
RATE_LIMITED = 4213


@pytest.fixture
def eight_signals(live, market, operator):
    """Eight symbols scanned well above the long threshold, room for all of them."""
    config_update(changes={"max_positions": len(SYMBOLS), "position_size_pct": D("5")}, actor=operator)
    prices = default_prices()
    for symbol in SYMBOLS:
        market.scan(symbol, long=70, price=str(prices[symbol]))
    return live


def entries():
    return {outcome: Decision.objects.filter(outcome=outcome).count() for outcome in ("entered", "failed", "skipped")}


def test_a_rate_limit_burst_stops_entries_in_the_same_cycle(eight_signals, operator, settings, alerts):
    settings.TRADER_RATE_LIMIT_BURST = 3
    config_update(changes={"circuit_breaker_threshold": 10}, actor=operator)  # only the burst can trip it
    eight_signals.post("fail", code=RATE_LIMITED, message="Rate limit exceeded", path=ORDER_PATH, count=5)

    log = cycle_run()

    assert eight_signals.positions() == {}, "no position may open after the burst"
    assert entries() == {"entered": 0, "failed": 3, "skipped": 5}
    skipped = Decision.objects.filter(outcome="skipped")
    assert all("circuit breaker" in decision.reason for decision in skipped), [d.reason for d in skipped]
    assert log.outcome == "failed"
    assert status_get().lock_kind == LockKind.CIRCUIT_BREAKER
    assert len(alerts("circuit_breaker")) == 1


def test_the_failure_count_stops_entries_in_the_same_cycle(eight_signals, alerts):
    eight_signals.post("fail", http_status=502, path=ORDER_PATH, count=5)  # threshold: 3 (the default)

    log = cycle_run()

    assert eight_signals.positions() == {}
    assert entries() == {"entered": 0, "failed": 3, "skipped": 5}
    assert log.outcome == "failed" and "3 consecutive failures" in status_get().lock_reason
    assert len(alerts("circuit_breaker")) == 1


def test_the_breaker_alert_is_sent_once_per_trip_not_on_every_latched_cycle(eight_signals, alerts):
    eight_signals.post("fail", http_status=502, path=ORDER_PATH, count=3)
    assert cycle_run().outcome == "failed"
    eight_signals.post("fail", http_status=502, path="/v2/assets/futures/balance", count=30)  # the storm goes on

    latched = [cycle_run() for _ in range(3)]

    assert [log.outcome for log in latched] == ["failed"] * 3
    assert status_get().consecutive_failures >= 6
    assert len(alerts("circuit_breaker")) == 1
