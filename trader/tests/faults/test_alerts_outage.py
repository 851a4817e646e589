"""Issue 16 item 5: alerts never block trading, and an outage of Redis or the database is itself alerted.

Before the fix, with Redis down each alert waited ~19 s in Celery's reconnect loop (the
result backend's) before falling back to a direct send: a cycle took 19.3 s instead of
0.3 s and ``POST /emergency-stop`` answered after 19.2 s. The bounds asserted here are
generous (5 s for a whole cycle with two alerts, 8 s for the emergency stop through the
real ASGI server); they fail on the old behaviour by a wide margin.
"""

import time

import httpx
import pytest
from django.db import connection

from config import testing
from config.bus import client as bus_client
from trader.api.keys import api_key_create
from trader.cycle.run import cycle_run
from trader.services.alerts import AlertKind, alert_send
from trader.services.status import trader_mode_set
from trader.testing.tcp_proxy import TcpProxy
from trader.tests.faults.conftest import ORDER_PATH

pytestmark = pytest.mark.django_db(transaction=True)

CYCLE_BOUND_S = 5.0
EMERGENCY_STOP_BOUND_S = 8.0


@pytest.fixture
def own_redis(redis_server, settings):
    """Point the bus, the channel layer and the Celery broker of this process at the test's own Redis."""
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis_server.url
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_server.url]}}}
    yield redis_server
    bus_client.outage.succeeded()


def test_with_redis_up_an_alert_is_queued_for_the_worker_not_sent_twice(own_redis, telegram):
    import redis

    alert_send(kind=AlertKind.ORDER_FAILED, message="queued")
    assert redis.Redis.from_url(own_redis.url).llen("trader") == 1  # the worker delivers it
    time.sleep(0.5)
    assert telegram.messages == []


def test_with_redis_down_a_cycle_with_alerts_stays_fast_and_the_alerts_arrive(own_redis, telegram, live, market,
                                                                             record_property):
    for symbol, price in (("ETHUSDT", "2392.63"), ("SOLUSDT", "124.55")):
        market.scan(symbol, long=70, price=price)
    live.post("fail", http_status=502, path=ORDER_PATH, count=2)  # two failed entries: two alerts
    own_redis.stop()

    started = time.monotonic()
    log = cycle_run()
    elapsed_s = time.monotonic() - started

    assert elapsed_s < CYCLE_BOUND_S, f"the cycle took {elapsed_s:.1f} s with Redis down"
    record_property("cycle_with_2_alerts_redis_down_s", round(elapsed_s, 2))
    assert len(log.errors) == 2
    texts = [message["text"] for message in telegram.wait_for(2, timeout_s=10)]
    assert sum("Order failed" in text for text in texts) == 2


def test_with_redis_down_emergency_stop_answers_promptly_and_alerts(own_redis, telegram, operator, record_property):
    trader_mode_set(mode="dry-run", actor=operator)
    key = api_key_create(name="ops", read_only=False).plain_key
    own_redis.stop()
    env = testing.service_environment(REDIS_URL=own_redis.url, TELEGRAM_BOT_TOKEN=telegram.token,
                                      TELEGRAM_CHAT_ID=telegram.chat_id, TELEGRAM_API_URL=telegram.url)
    port = testing.free_port()
    process = testing.start_process(
        testing.python_argv("-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)),
        env=env, log_path=own_redis.log_path.with_name("asgi-redis-down.log"))
    try:
        testing.wait_until(lambda: testing.port_open(port), timeout_s=60, what="ASGI server")
        started = time.monotonic()
        response = httpx.post(f"http://127.0.0.1:{port}/api/v1/emergency-stop", json={},
                              headers={"X-API-Key": key}, timeout=30)
        elapsed_s = time.monotonic() - started
    finally:
        testing.stop_process(process)

    assert response.status_code == 200, response.text
    assert elapsed_s < EMERGENCY_STOP_BOUND_S, f"emergency stop answered after {elapsed_s:.1f} s"
    record_property("emergency_stop_redis_down_s", round(elapsed_s, 2))
    (message,) = telegram.wait_for(1, timeout_s=10)
    assert "EMERGENCY STOP" in message["text"]


def _watcher(*, telegram, **env):
    environment = testing.service_environment(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_CHAT_ID=telegram.chat_id,
                                              TELEGRAM_API_URL=telegram.url, **env)
    log_path = testing.PROJECT_DIR / "var" / "test-logs" / "outage-watch.log"
    return testing.start_process(testing.python_argv("manage.py", "outage_watch", "--interval", "0.2"),
                                 env=environment, log_path=log_path)


def test_a_redis_outage_is_alerted_once_and_its_end_once(redis_server, telegram):
    watcher = _watcher(telegram=telegram, REDIS_URL=redis_server.url)
    try:
        time.sleep(2)  # the watcher is up and has seen Redis answer
        assert telegram.messages == []
        redis_server.stop()
        (down,) = telegram.wait_for(1, timeout_s=15)
        time.sleep(1.5)  # several more failed probes
        assert len(telegram.messages) == 1
        redis_server.start()
        back = telegram.wait_for(2, timeout_s=15)[1]
        time.sleep(1)
        assert len(telegram.messages) == 2
    finally:
        testing.stop_process(watcher)
    assert "OUTAGE: redis is DOWN" in down["text"]
    assert "OUTAGE: redis is back after" in back["text"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a database outage needs a server to cut off")
def test_a_database_outage_is_alerted_once_and_its_end_once(telegram):
    settings_dict = connection.settings_dict
    proxy = TcpProxy(target_host=settings_dict.get("HOST") or "127.0.0.1",
                     target_port=int(settings_dict.get("PORT") or 5432)).restore()
    database_url = testing.database_url_for_current_connection().replace(
        f":{settings_dict.get('PORT') or 5432}/", f":{proxy.port}/")
    watcher = _watcher(telegram=telegram, DATABASE_URL=database_url)
    try:
        time.sleep(2)
        assert telegram.messages == []
        proxy.cut()
        (down,) = telegram.wait_for(1, timeout_s=15)
        time.sleep(1.5)
        assert len(telegram.messages) == 1
        proxy.restore()
        back = telegram.wait_for(2, timeout_s=15)[1]
    finally:
        testing.stop_process(watcher)
        proxy.cut()
    assert "OUTAGE: database is DOWN" in down["text"]
    assert "OUTAGE: database is back after" in back["text"]


def test_outage_watch_needs_neither_part_to_start(telegram):
    """Started while both are unreachable, it reports both (it has no dependency on either)."""
    closed = testing.closed_port()
    watcher = _watcher(telegram=telegram, REDIS_URL=f"redis://127.0.0.1:{closed}/0",
                       DATABASE_URL=f"postgres://nobody@127.0.0.1:{closed}/none")
    try:
        texts = {message["text"].split(" is DOWN")[0] for message in telegram.wait_for(2, timeout_s=20)}
    finally:
        testing.stop_process(watcher)
    assert texts == {"[coinex-trader] OUTAGE: redis", "[coinex-trader] OUTAGE: database"}
