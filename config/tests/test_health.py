"""GET /health tells the truth about each part, against the real services."""

import pytest
from django.test import Client

from config.bus import client as bus_client
from config.testing import closed_port

pytestmark = pytest.mark.services


@pytest.fixture
def http():
    return Client()


@pytest.mark.django_db(transaction=True)
def test_health_is_200_when_database_redis_worker_and_beat_are_up(http, celery_worker_process, celery_beat_process):
    response = http.get("/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    parts = body["components"]
    assert {name: part["status"] for name, part in parts.items()} == {
        "database": "up",
        "redis": "up",
        "celery_worker": "up",
        "beat": "up",
    }
    assert parts["celery_worker"]["workers"], "the answering worker is named"
    assert parts["beat"]["last_tick"] is not None
    assert "last_market_fetch" in body and "last_ta_scan" in body


@pytest.mark.django_db(transaction=True)
def test_health_is_503_naming_redis_when_redis_is_unreachable(http, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = http.get("/health")
    body = response.json()
    assert response.status_code == 503
    assert "redis" in body["failing"]
    assert body["components"]["redis"]["status"] == "down"
    assert "Connection" in body["components"]["redis"]["detail"]
    # The database is still up and reported so: the report names what is broken, only that.
    assert body["components"]["database"]["status"] == "up"
    bus_client.outage.succeeded()


def _empty_redis_db_url(url: str) -> str:
    """The URL of a database of the same Redis that holds nothing (no worker or beat uses it);
    looked for rather than assumed, since other runs on the machine may use any number."""
    import redis

    base, current = url.rsplit("/", 1)
    for number in [14, *range(13, 0, -1)]:
        if str(number) == current:
            continue
        candidate = f"{base}/{number}"
        if redis.Redis.from_url(candidate, socket_connect_timeout=2).dbsize() == 0:
            return candidate
    pytest.fail("no empty Redis database to stand for a broker without workers")


@pytest.mark.django_db(transaction=True)
def test_health_is_503_naming_worker_and_beat_when_none_run_on_the_broker(http, settings):
    # An empty Redis database as the broker: Redis answers, but no worker or beat uses it.
    empty = _empty_redis_db_url(settings.REDIS_URL)
    settings.REDIS_URL = settings.CELERY_BROKER_URL = empty
    settings.HEALTH_CELERY_TIMEOUT_S = 0.5
    response = http.get("/health")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["celery_worker", "beat"]
    assert body["components"]["redis"]["status"] == "up"
    assert "no worker answered" in body["components"]["celery_worker"]["detail"]
    assert body["components"]["beat"]["detail"] == "beat has never ticked"


def test_health_needs_no_login(http):
    response = http.get("/health")
    assert response.status_code in (200, 503)
    assert response["Content-Type"] == "application/json"


def test_a_slow_worker_ping_runs_once_and_later_calls_answer_from_the_cache_at_once():
    """A load balancer polling /health while no worker answers: the first callers wait for
    one ping (not one each), later ones get the cached answer, with its age, at once."""
    import threading
    import time

    from config.health import DOWN, PartStatus, _CachedProbe

    pings = []

    def slow_ping() -> PartStatus:
        pings.append(time.monotonic())
        time.sleep(0.8)  # a ping waiting for its timeout
        return PartStatus(DOWN, "no worker answered a ping within 0.8 s")

    cache = _CachedProbe(slow_ping)
    answers = []

    def poll() -> None:
        answers.append(cache.get(key="broker", max_age_s=0.5, stale_grace_s=5))

    pollers = [threading.Thread(target=poll) for _ in range(8)]
    for poller in pollers:
        poller.start()
    for poller in pollers:
        poller.join(timeout=10)
    assert len(pings) == 1, "concurrent callers share one ping"
    assert [a.status for a in answers] == [DOWN] * 8 and "no worker answered" in answers[0].detail

    time.sleep(0.6)  # the answer is now older than max_age_s: a refresh starts in the background
    started = time.monotonic()
    stale = [cache.get(key="broker", max_age_s=0.5, stale_grace_s=5) for _ in range(20)]
    elapsed_s = time.monotonic() - started
    assert elapsed_s < 0.4, f"20 calls took {elapsed_s:.2f} s: they waited for the ping"
    assert all(a.status == DOWN and a.extra["age_s"] >= 0.5 for a in stale), "the cached answer says its age"
    deadline = time.monotonic() + 5
    while len(pings) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(pings) == 2, "one refresh for the 20 calls"


@pytest.mark.django_db
def test_health_reports_the_freshness_of_each_derivatives_series(http):
    from config.health import health_cache_clear

    health_cache_clear()  # an earlier call in this process may have cached its answer
    body = http.get("/health").json()
    section = body["derivatives"]
    assert {"enabled", "expected", "stale", "series", "age_s"} <= set(section)
    assert {(item["period"], item["name"]) for item in section["series"]} >= {("5m", "open_interest"), ("1h", "cvd")}
