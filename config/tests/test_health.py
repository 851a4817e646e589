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


@pytest.mark.django_db(transaction=True)
def test_health_is_503_naming_worker_and_beat_when_none_run_on_the_broker(http, settings):
    # An empty Redis database as the broker: Redis answers, but no worker or beat uses it.
    empty = settings.REDIS_URL.rsplit("/", 1)[0] + "/14"
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
