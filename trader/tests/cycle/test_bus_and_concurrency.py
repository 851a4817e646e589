"""What the cycle announces on the real Redis bus, and two cycles started at once."""

import json
import threading
import time

import pytest

from config.bus.schema import (
    CHANNEL_TRADER_EVENTS,
    KEY_STATE_BALANCE,
    KEY_STATE_POSITIONS,
    KEY_STATE_TRADER_CONFIG,
    KEY_STATE_TRADER_STATUS,
)
from trader.cycle.run import cycle_run
from trader.models import CycleLog, Trade

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_cycle_writes_the_state_keys_and_publishes_the_open(market, paper, dry_run, redis_conn):
    subscriber = redis_conn.pubsub()
    subscriber.subscribe(CHANNEL_TRADER_EVENTS)
    subscriber.get_message(timeout=1)  # the subscribe confirmation
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    balance = json.loads(redis_conn.get(KEY_STATE_BALANCE))
    positions = json.loads(redis_conn.get(KEY_STATE_POSITIONS))
    status = json.loads(redis_conn.get(KEY_STATE_TRADER_STATUS))
    config = json.loads(redis_conn.get(KEY_STATE_TRADER_CONFIG))
    assert float(balance["equity"]) < 1000  # the opening fee is paid
    assert [p["symbol"] for p in positions] == ["BTCUSDT"]
    assert status["mode"] == "dry-run" and status["last_cycle_at"]
    assert config["long_threshold"] == 45
    event = None
    for _ in range(20):
        message = subscriber.get_message(timeout=0.5)
        if message and message["type"] == "message":
            event = json.loads(message["data"])
            break
    assert event is not None and event["kind"] == "open" and event["symbol"] == "BTCUSDT"
    assert event["correlation_id"] == Trade.objects.get().correlation_id
    subscriber.close()


def test_two_cycles_started_at_once_only_one_runs(market, paper, dry_run):
    class Slow:
        def __getattr__(self, name):
            return getattr(paper, name)

        def balance(self):
            time.sleep(1.0)
            return paper.balance()

    outcomes = []

    def run():
        outcomes.append(cycle_run(exchange=Slow()).outcome)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["busy", "ok"]
    assert CycleLog.objects.filter(outcome="ok").count() == 1


def test_a_burst_of_rate_limit_errors_trips_the_circuit_breaker(market, paper, dry_run, operator):
    from coinex.errors import ExchangeTemporaryError
    from trader.services.config import config_update
    from trader.services.status import status_get

    config_update(changes={"circuit_breaker_threshold": 10}, actor=operator)  # only the burst can trip it
    class RateLimited:
        def __getattr__(self, name):
            return getattr(paper, name)

        def order_place(self, **kwargs):
            raise ExchangeTemporaryError("too many requests", code=4213)

    for symbol, price in (("BTCUSDT", "50000"), ("ETHUSDT", "3000"), ("SOLUSDT", "150")):
        market.scan(symbol, long=70, price=price)
    cycle_run(exchange=RateLimited())
    status = status_get()
    assert status.lock_kind == "circuit_breaker"
    assert status.lock_reason == "3 rate-limit errors in one cycle"


def test_the_correlation_id_follows_a_signal_into_the_json_log(market, paper, dry_run, settings):
    from config.logging import LOG_FILE_NAME

    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    correlation_id = Trade.objects.get().correlation_id
    records = [json.loads(line) for line in (settings.LOG_DIR / LOG_FILE_NAME).read_text().splitlines()
               if correlation_id in line]
    messages = [r["message"] for r in records]
    assert any(m.startswith("opening long BTCUSDT") for m in messages)
    assert any(m.startswith("opened long BTCUSDT") for m in messages)
    assert all(r["category"] == "TRADE" and r["correlation_id"] == correlation_id for r in records)
