"""Fixtures shared by every app's tests: real Redis, a real Celery worker and beat, the
real ASGI server, and the shared real candles.

Service fixtures run subprocesses against the test database, so tests that need them
to see rows use ``transactional_db`` (committed data).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from config import testing
from config.celery import QUEUES

TEST_WORKER = "test-worker"  # the one test worker's node name, before @host

@pytest.fixture(scope="session", autouse=True)
def _isolated_redis() -> None:
    """Start every session on an empty test Redis database (never a demo's data)."""
    import redis

    if settings.APP_ENV != "test":
        pytest.exit(
            "Run the tests with `make test` (or bin/test): it sets APP_ENV=test and a test Redis "
            "database, so a running demo's data is never touched.",
            returncode=2,
        )
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.ConnectionError as error:
        pytest.exit(f"Redis is required for the tests and does not answer at {settings.REDIS_URL}: {error}", 2)


@pytest.fixture(autouse=True)
def _fresh_health_probes():
    """/health keeps its slow probes' answers per process for a few seconds: no test sees
    the worker ping an earlier test cached (a worker that was not running then)."""
    from config.health import health_cache_clear

    health_cache_clear()


@pytest.fixture(autouse=True)
def _seeded_universe(request):
    """Transactional tests flush the database after each test, taking the 29 symbols the
    data migration seeded with them: put them back for every transactional test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction"))
    if transactional:
        request.getfixturevalue("transactional_db")
        from ta.testing.symbols import symbols_seed

        symbols_seed()


@pytest.fixture(autouse=True)
def _worker_idle_before_flush(request):
    """A test that used the real worker ends only when the worker is idle and its queues are
    empty: work it chained (analysis after a fetch) must not still write while the test
    database is flushed (a deadlock on PostgreSQL) or leak into the next test."""
    if "celery_worker_process" not in request.fixturenames:
        yield
        return
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")  # set up first, so flushed after this teardown
    yield
    from config.celery import app

    # Addressed to the one test worker and content with its one reply: a broadcast inspect waits
    # its whole timeout for replies that never come (4 s of every such test's teardown).
    worker = f"{TEST_WORKER}@{socket.gethostname()}"  # Celery's %h is the host name

    def idle() -> bool:
        inspector = app.control.inspect(timeout=1, destination=[worker], limit=1)
        busy = [*(inspector.active() or {}).values(), *(inspector.reserved() or {}).values()]
        return not any(busy)

    # A test marked worker_abandon leaves work that only repeats what it tested (the soak's last
    # fetch of 29 coins, ~20 s): its running task is stopped (the pool replaces the child process).
    abandon = request.node.get_closest_marker("worker_abandon") is not None

    def drop_queued() -> None:
        """What waits in the broker and what the worker prefetched: left over, not the test's."""
        app.control.purge()
        inspector = app.control.inspect(timeout=1, destination=[worker], limit=1)
        reserved = [task["id"] for tasks in (inspector.reserved() or {}).values() for task in tasks]
        if reserved:
            app.control.revoke(reserved, destination=[worker])
        if abandon:
            running = [task["id"] for tasks in (inspector.active() or {}).values() for task in tasks]
            if running:
                app.control.revoke(running, destination=[worker], terminate=True)

    for _ in range(2):  # drop what is queued, let the running task end, be sure nothing started meanwhile
        drop_queued()
        testing.wait_until(idle, timeout_s=60, interval_s=0.3, what="the Celery worker to finish its tasks")


@pytest.fixture
def redis_conn():
    """A decoded client on the test Redis, emptied before and after the test (nothing an
    earlier test logged or cached leaks in)."""
    from config.bus.client import redis_client

    client = redis_client()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(scope="session")
def klines_dir() -> Path:
    """The shared real Binance candles; the test is skipped when the folder is absent."""
    path = Path(settings.KLINES_DIR)
    if not (path / "BTCUSDT-1h.csv.gz").exists():
        pytest.skip(f"real candles not found at {path} (set KLINES_DIR to the shared klines folder)")
    return path


@dataclass
class ServiceProcess:
    process: object
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _log_path(name: str) -> Path:
    return Path(settings.VAR_DIR) / "test-logs" / f"{name}.log"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[ServiceProcess]:
    """A real Celery worker subprocess consuming every queue, on the test DB and Redis."""
    from config.celery import app

    with django_db_blocker.unblock():
        env = testing.service_environment()
    app.control.purge()
    log_path = _log_path("celery-worker")
    process = testing.start_process(
        testing.python_argv(
            "-m", "celery", "-A", "config", "worker", "-Q", ",".join(QUEUES), "--concurrency", "1",
            "--without-gossip", "--without-mingle", "--loglevel", "INFO", "-n", f"{TEST_WORKER}@%h",
        ),
        env=env,
        log_path=log_path,
    )
    service = ServiceProcess(process, log_path)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited:\n{service.log()[-3000:]}")
        return bool(app.control.ping(timeout=0.5))

    testing.wait_until(answers, timeout_s=60, what="Celery worker")
    yield service
    testing.stop_process(process)


@pytest.fixture(scope="module")
def celery_beat_process(django_db_setup, django_db_blocker) -> Iterator[ServiceProcess]:
    """A real beat subprocess with the database scheduler, on the test DB and Redis.

    Module-scoped: a beat left running would fire any schedule a later test commits
    (candle fetches publishing on the shared pub/sub channels) into other tests.
    """
    from config.bus.client import redis_client
    from config.bus.schema import KEY_HEALTH_BEAT_TICK

    with django_db_blocker.unblock():
        env = testing.service_environment()
    redis_client().delete(KEY_HEALTH_BEAT_TICK)
    log_path = _log_path("celery-beat")
    schedule_file = Path(settings.VAR_DIR) / "test-logs" / "celerybeat-schedule"
    process = testing.start_process(
        testing.python_argv("-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "-s", str(schedule_file)),
        env=env,
        log_path=log_path,
    )
    service = ServiceProcess(process, log_path)

    def ticked() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"beat exited:\n{service.log()[-3000:]}")
        return redis_client().get(KEY_HEALTH_BEAT_TICK) is not None

    testing.wait_until(ticked, timeout_s=60, what="Celery beat")
    yield service
    testing.stop_process(process)


@dataclass
class AsgiServer(ServiceProcess):
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker) -> Iterator[AsgiServer]:
    """The real ASGI server (uvicorn) serving ``config.asgi`` on a free port."""
    with django_db_blocker.unblock():
        env = testing.service_environment()
    port = testing.free_port()
    log_path = _log_path("asgi")
    process = testing.start_process(
        testing.python_argv("-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)),
        env=env,
        log_path=log_path,
    )
    server = AsgiServer(process, log_path, port)

    def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited:\n{server.log()[-3000:]}")
        return testing.port_open(port)

    testing.wait_until(listening, timeout_s=60, what="ASGI server")
    yield server
    testing.stop_process(process)
