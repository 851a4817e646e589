"""HTTP load on a loopback server, for ``bench/api_load.py`` and the serving load test.

Two ways to drive it: open loop (a constant request rate, each request sent at its
scheduled time whether or not the earlier ones have answered, as real clients do; a
request's latency counts from its scheduled time, so a stalled server cannot hide its
queue) and closed loop (a fixed number of clients, each sending its next request when
the last one answered). ``PgConnectionWatch`` samples how many PostgreSQL connections a
database has meanwhile. Only 127.0.0.1 may be targeted.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import cycle
from urllib.parse import urlparse

import httpx

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class LoadResult:
    """What one run saw: latencies (s) of answered requests, status codes, transport failures."""

    duration_s: float
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # exception name -> count (no answer at all)

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def achieved_rate(self) -> float:
        return self.answered / self.duration_s if self.duration_s else 0.0

    @property
    def errors(self) -> int:
        """Requests without an answer or not answered with a 2xx: every request of a load run asks for
        a page that exists, so a redirect or a refusal means the endpoint was not what was measured."""
        return sum(self.failures.values()) + sum(n for code, n in self.statuses.items() if not 200 <= code < 300)

    def percentile_ms(self, pct: float) -> float:
        """The ``pct`` percentile of the latencies in ms (nearest rank); NaN without any."""
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000


def _check_loopback(base_url: str) -> None:
    host = urlparse(base_url).hostname
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"load is only ever sent to loopback, not {host!r}")


async def _send(client: httpx.AsyncClient, path: str, started: float, result: LoadResult) -> None:
    try:
        response = await client.get(path)
    except httpx.HTTPError as error:
        result.failures[type(error).__name__] += 1
        return
    result.statuses[response.status_code] += 1
    result.latencies_s.append(time.perf_counter() - started)


def _client(base_url: str, headers: dict[str, str], timeout_s: float, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout_s, limits=limits)


async def _open_loop(*, base_url: str, paths: list[str], headers: dict[str, str], rate: float, duration_s: float,
                     timeout_s: float) -> LoadResult:
    result = LoadResult(duration_s=duration_s)
    interval_s = 1.0 / rate
    # Enough connections that the client never queues a request the schedule has sent.
    async with _client(base_url, headers, timeout_s, connections=max(16, int(rate * timeout_s))) as client:
        tasks = []
        start = time.perf_counter()
        for index, path in zip(range(int(rate * duration_s)), cycle(paths), strict=False):
            scheduled = start + index * interval_s
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_send(client, path, scheduled, result)))
        await asyncio.gather(*tasks)
        result.duration_s = max(duration_s, time.perf_counter() - start)
    return result


async def _closed_loop(*, base_url: str, paths: list[str], headers: dict[str, str], clients: int, duration_s: float,
                       timeout_s: float) -> LoadResult:
    result = LoadResult(duration_s=duration_s)
    async with _client(base_url, headers, timeout_s, connections=clients) as client:
        deadline = time.perf_counter() + duration_s

        async def one_client(offset: int) -> None:
            for path in cycle(paths[offset % len(paths):] + paths[:offset % len(paths)]):
                if time.perf_counter() >= deadline:
                    return
                await _send(client, path, time.perf_counter(), result)

        await asyncio.gather(*(one_client(offset) for offset in range(clients)))
    return result


def load_open_loop(*, base_url: str, paths: list[str], rate: float, duration_s: float,
                   headers: dict[str, str] | None = None, timeout_s: float = 10.0) -> LoadResult:
    """GET ``paths`` in turn at ``rate`` requests/s for ``duration_s`` (open loop)."""
    _check_loopback(base_url)
    return asyncio.run(_open_loop(base_url=base_url, paths=paths, headers=headers or {}, rate=rate,
                                  duration_s=duration_s, timeout_s=timeout_s))


def load_closed_loop(*, base_url: str, paths: list[str], clients: int, duration_s: float,
                     headers: dict[str, str] | None = None, timeout_s: float = 10.0) -> LoadResult:
    """``clients`` concurrent clients GET ``paths`` in turn, back to back, for ``duration_s``."""
    _check_loopback(base_url)
    return asyncio.run(_closed_loop(base_url=base_url, paths=paths, headers=headers or {}, clients=clients,
                                    duration_s=duration_s, timeout_s=timeout_s))


class PgConnectionWatch:
    """Samples the connections to ``database`` every ``interval_s`` in a thread (its own
    connection, to ``dsn``, is not counted): the peak in total and per application_name."""

    def __init__(self, *, dsn: str, database: str, interval_s: float = 0.1) -> None:
        self.dsn, self.database, self.interval_s = dsn, database, interval_s
        self.peak_total = 0
        self.peak_by_application: Counter = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-connection-watch", daemon=True)

    def sample(self) -> Counter:
        """Connections to the database now, per application_name (one query)."""
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            return self._sample(connection)

    def _sample(self, connection) -> Counter:
        rows = connection.execute(
            "SELECT application_name, count(*) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() GROUP BY application_name",
            (self.database,),
        ).fetchall()
        return Counter({name: count for name, count in rows})

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            while not self._stop.is_set():
                counts = self._sample(connection)
                self.peak_total = max(self.peak_total, sum(counts.values()))
                for name, count in counts.items():
                    self.peak_by_application[name] = max(self.peak_by_application[name], count)
                self._stop.wait(self.interval_s)

    def __enter__(self) -> PgConnectionWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
