"""The platform's health report, as served by ``GET /health`` and ``manage.py health``.

Each part is probed for real, with a short timeout: the database with a query, Redis
with PING and beat with the time of its last tick on every call (each takes about a
millisecond); the Celery workers with a broadcast ping (and the heartbeat they write),
which waits up to HEALTH_CELERY_TIMEOUT_S when no worker answers, so its result is
cached for HEALTH_PROBE_CACHE_S and refreshed in the background by one thread per
process: a load balancer polling /health gets an answer in milliseconds and cannot pile
up pings. The cached part says how old it is (``age_s``). Apps register the times of their
latest work (last candle fetch, last TA scan) with ``health_timestamp_register``;
those are null until the app has done that work once. Apps may also register a report
section (``health_section_register``: the derivatives series' freshness); a section is
informational, never makes the report unhealthy, and is cached for HEALTH_PROBE_CACHE_S per
process, so polling /health runs its query at most that often.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection

from config.bus.client import redis_client
from config.bus.schema import KEY_HEALTH_BEAT_TICK, KEY_HEALTH_WORKER_PATTERN

logger = logging.getLogger(__name__)

BEAT_STALE_AFTER_S = 60
UP = "up"
DOWN = "down"
CRITICAL_PARTS = ("database", "redis", "celery_worker", "beat")

# Reported in every health report, null until an app registers a probe and has done the work.
REPORTED_TIMESTAMPS = ("last_market_fetch", "last_ta_scan")

_timestamp_probes: dict[str, Callable[[], datetime | None]] = {}
_section_probes: dict[str, Callable[[], dict[str, Any]]] = {}
_section_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_section_lock = threading.Lock()


def health_timestamp_register(name: str, probe: Callable[[], datetime | None]) -> None:
    """Report ``probe()`` (an aware datetime, or None) as ``name`` in every health report."""
    _timestamp_probes[name] = probe


def health_section_register(name: str, probe: Callable[[], dict[str, Any]]) -> None:
    """Report ``probe()`` (JSON-able) as ``name`` in every health report, cached HEALTH_PROBE_CACHE_S."""
    _section_probes[name] = probe


@dataclass
class PartStatus:
    status: str
    detail: str = ""
    latency_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


def _timed(probe: Callable[[], PartStatus]) -> PartStatus:
    started = time.perf_counter()
    try:
        result = probe()
    except Exception as error:  # noqa: BLE001 - a probe's failure is the part being down, never a 500
        result = PartStatus(DOWN, f"{type(error).__name__}: {error}")
    result.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _probe_database() -> PartStatus:
    """Runs in a pool thread, which has its own connection: closed before returning."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return PartStatus(UP, connection.vendor)
    finally:
        connection.close()


def _probe_redis() -> PartStatus:
    redis_client().ping()
    return PartStatus(UP)


def _probe_worker() -> PartStatus:
    from config.celery import app

    client = redis_client()
    heartbeats = {}
    for key in client.scan_iter(match=KEY_HEALTH_WORKER_PATTERN, count=100):
        heartbeats[key.split(":", 2)[2]] = client.get(key)
    with app.connection_for_write(settings.CELERY_BROKER_URL) as broker:
        replies = app.control.ping(
            timeout=settings.HEALTH_CELERY_TIMEOUT_S, limit=max(1, len(heartbeats)), connection=broker
        )
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        return PartStatus(
            DOWN,
            f"no worker answered a ping within {settings.HEALTH_CELERY_TIMEOUT_S:g} s",
            extra={"workers": [], "heartbeats": heartbeats},
        )
    return PartStatus(UP, f"{len(workers)} worker(s) answered", extra={"workers": workers, "heartbeats": heartbeats})


class _CachedProbe:
    """The latest result of a slow probe, per broker URL, refreshed by one thread at a time.

    A result younger than ``max_age_s`` is answered as is. An older one is still answered
    (with its age) while a background refresh runs, as long as it is not older than
    ``max_age_s + stale_grace_s``; past that, or with no result yet, the caller waits for
    the refresh in flight (never starts a second one).
    """

    def __init__(self, probe: Callable[[], PartStatus]) -> None:
        self._probe = probe
        self._lock = threading.Lock()
        self._results: dict[str, tuple[float, PartStatus]] = {}
        self._refreshing: dict[str, threading.Event] = {}

    def get(self, *, key: str, max_age_s: float, stale_grace_s: float) -> PartStatus:
        with self._lock:
            cached = self._results.get(key)
            age_s = None if cached is None else time.monotonic() - cached[0]
            if cached is not None and age_s < max_age_s:
                return _aged(cached[1], age_s)
            done = self._refreshing.get(key)
            if done is None:
                done = self._refreshing[key] = threading.Event()
                threading.Thread(target=self._refresh, args=(key, done), name="health-refresh", daemon=True).start()
        if cached is not None and age_s < max_age_s + stale_grace_s:
            return _aged(cached[1], age_s)
        done.wait(timeout=stale_grace_s)
        with self._lock:
            cached = self._results.get(key)
        if cached is None:
            return PartStatus(DOWN, "probe still running")
        return _aged(cached[1], time.monotonic() - cached[0])

    def _refresh(self, key: str, done: threading.Event) -> None:
        try:
            result = _timed(self._probe)
            with self._lock:
                self._results[key] = (time.monotonic(), result)
        finally:
            with self._lock:
                self._refreshing.pop(key, None)
            done.set()

    def clear(self) -> None:
        """Forget every result (tests; a result being refreshed is still stored when done)."""
        with self._lock:
            self._results.clear()


def _aged(status: PartStatus, age_s: float) -> PartStatus:
    return PartStatus(status.status, status.detail, status.latency_ms, {**status.extra, "age_s": round(age_s, 1)})


def _probe_beat() -> PartStatus:
    raw = redis_client().get(KEY_HEALTH_BEAT_TICK)
    if raw is None:
        return PartStatus(DOWN, "beat has never ticked", extra={"last_tick": None})
    last_tick = datetime.fromisoformat(raw)
    age_s = (datetime.now(tz=UTC) - last_tick).total_seconds()
    if age_s > BEAT_STALE_AFTER_S:
        return PartStatus(DOWN, f"last tick {age_s:.0f} s ago", extra={"last_tick": raw})
    return PartStatus(UP, f"last tick {age_s:.0f} s ago", extra={"last_tick": raw})


def _read_timestamps() -> dict[str, str | None]:
    values: dict[str, str | None] = dict.fromkeys(REPORTED_TIMESTAMPS)
    for name, probe in sorted(_timestamp_probes.items()):
        try:
            moment = probe()
        except Exception as error:  # noqa: BLE001 - reported as unknown, not a crash
            logger.warning("health timestamp %s unavailable: %s", name, error)
            moment = None
        values[name] = moment.isoformat() if moment else None
    return values


def _read_sections() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, probe in sorted(_section_probes.items()):
        with _section_lock:
            cached = _section_cache.get(name)
        if cached is None or time.monotonic() - cached[0] >= settings.HEALTH_PROBE_CACHE_S:
            try:
                result = probe()
            except Exception as error:  # noqa: BLE001 - reported as unavailable, not a crash
                logger.warning("health section %s unavailable: %s", name, error)
                result = {"error": f"{type(error).__name__}: {error}"}
            cached = (time.monotonic(), result)
            with _section_lock:
                _section_cache[name] = cached
        values[name] = {**cached[1], "age_s": round(time.monotonic() - cached[0], 1)}
    return values


_PART_PROBES: dict[str, Callable[[], PartStatus]] = {
    "database": _probe_database,
    "redis": _probe_redis,
    "celery_worker": _probe_worker,
    "beat": _probe_beat,
}


_worker_probe_cache = _CachedProbe(_probe_worker)


def _worker_status() -> PartStatus:
    """The worker ping's result, from the per-process cache (see ``_CachedProbe``)."""
    return _worker_probe_cache.get(
        key=settings.CELERY_BROKER_URL,
        max_age_s=settings.HEALTH_PROBE_CACHE_S,
        stale_grace_s=settings.HEALTH_CELERY_TIMEOUT_S + 2 * settings.REDIS_SOCKET_TIMEOUT_S + 2,
    )


def health_cache_clear() -> None:
    """Forget the cached worker ping and sections, so the next report probes again."""
    _worker_probe_cache.clear()
    with _section_lock:
        _section_cache.clear()


def health_part(name: str) -> PartStatus:
    """Probe one part (``database``, ``redis``, ``celery_worker`` or ``beat``) on its own."""
    return _timed(_PART_PROBES[name])


def health_report() -> dict[str, Any]:
    """Probe every part; ``healthy`` is True when every critical part is up.

    The database probe runs beside the others (in a thread, with a deadline); the worker
    ping is answered from its cache (``_worker_status``). The worker and beat probes need
    Redis (the broker), so they are reported down without waiting when Redis is down.
    """
    deadline_s = settings.HEALTH_CELERY_TIMEOUT_S + 2 * settings.REDIS_SOCKET_TIMEOUT_S + 2
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
    try:
        database_future = pool.submit(_timed, _probe_database)
        redis_status = _timed(_probe_redis)
        if redis_status.status == UP:
            worker_status = _worker_status()
            beat_status = _timed(_probe_beat)
        else:
            unreachable = "broker (Redis) unreachable"
            worker_status = PartStatus(DOWN, unreachable)
            beat_status = PartStatus(DOWN, unreachable)
        try:
            database_status = database_future.result(timeout=deadline_s)
        except FutureTimeout:
            database_status = PartStatus(DOWN, "database probe timed out")
    finally:
        pool.shutdown(wait=False)  # a hung probe must not hold the answer past its deadline

    parts = {
        "database": database_status,
        "redis": redis_status,
        "celery_worker": worker_status,
        "beat": beat_status,
    }
    failing = [name for name in CRITICAL_PARTS if parts[name].status != UP]
    return {
        "status": "ok" if not failing else "unhealthy",
        "healthy": not failing,
        "failing": failing,
        "checked_at": datetime.now(tz=UTC).isoformat(),
        "components": {name: part.as_dict() for name, part in parts.items()},
        **_read_timestamps(),
        **_read_sections(),
    }
