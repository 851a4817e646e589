"""Celery: a task's round trip through a real worker and real Redis; queue routing."""

import secrets

import pytest

from config.celery import QUEUES, app
from config.tasks import platform_ping

pytestmark = pytest.mark.services


def test_task_round_trip_through_a_real_worker(celery_worker_process):
    token = secrets.token_hex(8)
    answer = platform_ping.delay(token).get(timeout=20)
    assert answer["token"] == token
    assert answer["worker_host"]


def test_worker_writes_a_heartbeat_health_can_read(celery_worker_process, redis_conn):
    from config.bus.schema import KEY_HEALTH_WORKER_PATTERN
    from config.testing import wait_until

    wait_until(lambda: any(redis_conn.scan_iter(match=KEY_HEALTH_WORKER_PATTERN)), timeout_s=25, what="heartbeat")


@pytest.mark.parametrize(("task_name", "queue"), [
    ("market.fetch_candles", "market"),
    ("analysis.analyse_symbol", "analysis"),
    ("trader.run_cycle", "trader"),
    ("analysis.platform_ping", "analysis"),
])
def test_tasks_are_routed_to_their_queue_by_name(task_name, queue):
    route = app.amqp.router.route({}, task_name)
    assert route["queue"].name == queue


def test_three_queues_and_json_only():
    assert set(QUEUES) == {"market", "analysis", "trader"}
    assert {q.name for q in app.conf.task_queues} == set(QUEUES)
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit < app.conf.task_time_limit
