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
import contextlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import cycle
from urllib.parse import urlparse

import uvloop

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


class LoadError(Exception):
    """A request got no usable answer (connection refused or closed, timeout, malformed reply)."""


class _Connections:
    """Keep-alive HTTP/1.1 connections to one loopback server, at most ``limit`` open at once.

    A minimal client on purpose: the load runs on the machine it measures, and httpx spent
    1.5-2 ms of CPU per request (bench/api_load.py's "(loadgen)" column), as much as the
    server's floor; this costs a fraction of that. It sends GETs and reads answers with a
    Content-Length (every Django answer the load asks for has one).
    """

    def __init__(self, *, base_url: str, headers: dict[str, str], timeout_s: float, limit: int) -> None:
        parsed = urlparse(base_url)
        self.host, self.port, self.timeout_s = parsed.hostname, parsed.port or 80, timeout_s
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.head = f"Host: {parsed.netloc}\r\n{extra}\r\n"
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(limit)

    async def get(self, path: str) -> int:
        """The status code of ``GET path``; ``LoadError`` without an answer."""
        async with self.slots:
            while self.idle:  # a kept connection the server has closed meanwhile (its keep-alive
                connection = self.idle.pop()  # timeout) fails at once: then the next, or a new one
                try:
                    return await self._on(connection, path)
                except (OSError, asyncio.IncompleteReadError):
                    continue
            try:
                connection = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout_s)
            except (OSError, TimeoutError) as error:
                raise LoadError(type(error).__name__) from error
            try:
                return await self._on(connection, path)
            except (OSError, asyncio.IncompleteReadError) as error:
                raise LoadError(type(error).__name__) from error

    async def _on(self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], path: str) -> int:
        """``GET path`` on ``connection``, kept for the next request when the server keeps it."""
        try:
            status, keep = await asyncio.wait_for(self._exchange(connection, path), self.timeout_s)
        except (TimeoutError, ValueError) as error:
            connection[1].close()
            raise LoadError(type(error).__name__) from error
        except BaseException:
            connection[1].close()
            raise
        if keep:
            self.idle.append(connection)
        else:
            connection[1].close()
        return status

    async def _exchange(self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                        path: str) -> tuple[int, bool]:
        reader, writer = connection
        writer.write(f"GET {path} HTTP/1.1\r\n{self.head}".encode())
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {name.strip().lower(): value.strip() for name, _, value in
                  (line.partition(":") for line in head[1:] if line)}
        if "content-length" not in fields:
            raise ValueError("an answer without Content-Length")
        await reader.readexactly(int(fields["content-length"]))
        return status, fields.get("connection", "").lower() != "close"

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


async def _send(client: _Connections, path: str, started: float, result: LoadResult) -> None:
    try:
        status = await client.get(path)
    except LoadError as error:
        result.failures[str(error)] += 1
        return
    result.statuses[status] += 1
    result.latencies_s.append(time.perf_counter() - started)


@contextlib.asynccontextmanager
async def _client(base_url: str, headers: dict[str, str], timeout_s: float, connections: int):
    client = _Connections(base_url=base_url, headers=headers, timeout_s=timeout_s, limit=connections)
    try:
        yield client
    finally:
        client.close()


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
                                  duration_s=duration_s, timeout_s=timeout_s), loop_factory=uvloop.new_event_loop)


def load_closed_loop(*, base_url: str, paths: list[str], clients: int, duration_s: float,
                     headers: dict[str, str] | None = None, timeout_s: float = 10.0) -> LoadResult:
    """``clients`` concurrent clients GET ``paths`` in turn, back to back, for ``duration_s``."""
    _check_loopback(base_url)
    return asyncio.run(_closed_loop(base_url=base_url, paths=paths, headers=headers or {}, clients=clients,
                                    duration_s=duration_s, timeout_s=timeout_s), loop_factory=uvloop.new_event_loop)


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
