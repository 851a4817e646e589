"""The bus, exactly as DESIGN.md's table, checked on real Redis with a real subscriber;
and the outage: candles still stored, logged once, publishing resumes by itself."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from config import testing
from config.bus.client import outage
from ta.models import Candle
from ta.services.fetch import market_fetch
from ta.sources.simulated import SimulatedSource

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 2, 30, tzinfo=UTC)


@pytest.fixture
def subscriber(redis_conn):
    pubsub = redis_conn.pubsub()
    pubsub.subscribe("market:candles:BTCUSDT", "market:candles:ETHUSDT")
    confirmations = 0
    while confirmations < 2:  # both subscriptions confirmed before anything is published
        message = pubsub.get_message(timeout=2)
        assert message is not None, "no subscription confirmation from Redis"
        confirmations += message["type"] == "subscribe"
    yield pubsub
    pubsub.close()


def messages(pubsub, *, expect=None, wait_s=2.0):
    """This test's messages received within ``wait_s`` (returns as soon as ``expect`` have arrived).

    Redis pub/sub ignores the database number: another test session or a demo on this
    Redis server publishes on the same channels, with candles of the real present. The
    tests here fetch at a fixed past moment, so only candles of that day are theirs.
    """
    received, deadline = [], time.monotonic() + wait_s
    while time.monotonic() < deadline and (expect is None or len(received) < expect):
        message = pubsub.get_message(timeout=0.1)
        if message and message["type"] == "message":
            data = json.loads(message["data"])
            if data["open_time"].startswith(NOW.date().isoformat()):
                received.append((message["channel"], data))
    return received


def fetch(symbols=("BTCUSDT",), timeframes=("5m",), now=NOW, backfill=30):
    return market_fetch(timeframes=list(timeframes), symbols=list(symbols), source=SimulatedSource(seed=1),
                        backfill=backfill, wall_now=now)


def test_each_update_publishes_its_newest_candle_and_caches_the_series_with_the_ttls(redis_conn, subscriber):
    fetch(symbols=("BTCUSDT", "ETHUSDT"), timeframes=("5m", "1h", "4h"))
    received = messages(subscriber, expect=6)
    assert [(channel, data["timeframe"]) for channel, data in received] == [
        ("market:candles:BTCUSDT", "5m"), ("market:candles:BTCUSDT", "1h"), ("market:candles:BTCUSDT", "4h"),
        ("market:candles:ETHUSDT", "5m"), ("market:candles:ETHUSDT", "1h"), ("market:candles:ETHUSDT", "4h"),
    ]
    newest = Candle.objects.filter(symbol__symbol="BTCUSDT", timeframe="5m").latest("open_time")
    update = received[0][1]
    assert update == {
        "symbol": "BTCUSDT", "timeframe": "5m", "open_time": "2026-03-01T12:00:00Z",
        "open_time_ms": 1772366400000, "open": str(newest.open.normalize()), "high": str(newest.high.normalize()),
        "low": str(newest.low.normalize()), "close": str(newest.close.normalize()),
        "volume": str(newest.volume.normalize()), "is_closed": False,
    }
    assert json.loads(redis_conn.get("cache:candles:BTCUSDT")) == update
    assert 55 <= redis_conn.ttl("cache:candles:BTCUSDT") <= 60
    for timeframe, ttl in (("5m", 60), ("1h", 300), ("4h", 600)):
        key = f"cache:candles:BTCUSDT:{timeframe}"
        assert ttl - 5 <= redis_conn.ttl(key) <= ttl
        cached = json.loads(redis_conn.get(key))
        assert cached["symbol"] == "BTCUSDT" and cached["timeframe"] == timeframe
        assert len(cached["candles"]) == 30
        assert cached["candles"][-1]["open_time"] < "2026-03-01T12:02:30Z"
        assert [c["open_time"] for c in cached["candles"]] == sorted(c["open_time"] for c in cached["candles"])


def test_nothing_is_published_when_nothing_changed(redis_conn, subscriber):
    fetch()
    assert len(messages(subscriber, expect=1)) == 1
    fetch()  # the same moment: the forming candle has not moved
    assert messages(subscriber, wait_s=0.5) == []
    fetch(now=NOW + timedelta(seconds=30))  # it moved
    assert len(messages(subscriber, expect=1)) == 1


def test_with_redis_down_candles_still_land_the_outage_is_logged_once_and_publishing_resumes(
    redis_conn, subscriber, settings, caplog
):
    reachable_url = settings.REDIS_URL
    settings.REDIS_URL = f"redis://127.0.0.1:{testing.closed_port()}/12"
    with caplog.at_level(logging.WARNING, logger="config.bus.client"):
        fetch(symbols=("BTCUSDT", "ETHUSDT"), timeframes=("5m", "1h"))
        fetch(symbols=("BTCUSDT", "ETHUSDT"), timeframes=("5m", "1h"), now=NOW + timedelta(seconds=30))
        assert Candle.objects.filter(symbol__symbol="ETHUSDT", timeframe="1h").count() == 30
        down = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
        assert len(down) == 1 and outage.down

        settings.REDIS_URL = reachable_url
        fetch(symbols=("BTCUSDT",), now=NOW + timedelta(seconds=60))
    assert not outage.down
    assert any("Redis is back" in r.getMessage() for r in caplog.records)
    assert [channel for channel, _ in messages(subscriber, wait_s=1)] == ["market:candles:BTCUSDT"]
    assert redis_conn.get("cache:candles:BTCUSDT") is not None

