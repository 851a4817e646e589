"""Benchmark: the live push to N open scanner pages, this code against a baseline commit, one run.

Run: ``.venv/bin/python bench/live_fanout.py [--sockets 1,50,200] [--events 3] [--baseline REF | --no-baseline]``

For each variant (this checkout, and the baseline commit checked out into a temporary git
worktree: by default the last commit before the render-once push), the script starts what
production runs, on a fresh SQLite database and a Redis database of its own (``--redis-db``):
the real ASGI server (uvicorn, one process) and a Celery worker (solo pool) with the simulated
market. It opens N authenticated sockets on the scanner page, then for each event fetches
fresh 5m candles of the 29 coins (the worker chains the scan after the fetch, as in
production) and measures, for every socket, the time from the scan's end (the newest stored
scan result) to the socket having the new cards:

* this code: the ``live.delta`` caused by ``scan.update`` (the producer rendered it once);
* the baseline: its protocol, the ``scan.update`` event and then the snapshot the page asks
  for (rendered per socket by the server).

Printed per N: latency p50/p95/max; CPU per event: the live push's own work in the producer
(rendering, diffing, sending: the counters ``dashboard.live`` keeps in Redis, this code only),
the web server's (forwarding to the sockets, psutil) and the whole worker's (which includes the
fetch and the scan themselves, so it varies with the market from one event to the next); and
the bytes each socket received per scan, as message text and on the wire (permessage-deflate,
which uvicorn and every browser negotiate). Targets (issue 14): p95 < 1 s at N = 200, server
work per event independent of N (within 20 %: the push's producer work, which is what renders),
< 30 KB per socket per scan. The web server's forwarding is per socket by nature (one frame
each); its CPU per socket per event is printed so its growth can be read.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil
from websockets.sync.client import connect

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from config.bus.schema import KEY_LIVE_STATS  # noqa: E402 - the key's one spelling

PYTHON = str(REPO / ".venv" / "bin" / "python")
DEFAULT_BASELINE = "3406f07"  # the last commit before the render-once live push


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingSocket(socket.socket):
    """A TCP socket that counts the bytes it receives (what crossed the wire, compressed)."""

    received = 0

    def recv(self, size: int, *args) -> bytes:
        data = super().recv(size, *args)
        self.received += len(data)
        return data


@dataclass
class Client:
    """One page's socket: a reader thread records every message with its arrival time."""

    url: str
    cookie: str
    origin: str
    new_protocol: bool
    messages: list[tuple[float, str, int]] = field(default_factory=list)  # (time, event, text bytes)
    raw: CountingSocket | None = None
    stack: ExitStack = field(default_factory=ExitStack)

    def start(self) -> None:
        host, port = self.origin.removeprefix("http://").split(":")
        self.raw = CountingSocket(socket.AF_INET, socket.SOCK_STREAM)
        self.raw.connect((host, int(port)))
        self.ws = self.stack.enter_context(connect(
            self.url, sock=self.raw, additional_headers={"Cookie": self.cookie, "Origin": self.origin},
            open_timeout=30, max_size=None))
        self.ws.send(json.dumps({"request": "snapshot", "page": "scanner"}))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for text in self.ws:
                message = json.loads(text)
                event = message.get("event", "")
                if event == "live.delta":
                    event = f"live.delta:{message.get('cause')}"
                self.messages.append((time.time(), event, len(text)))
                if not self.new_protocol and event == "scan.update":
                    self.ws.send(json.dumps({"request": "snapshot", "page": "scanner"}))  # the old page did this
        except Exception:  # noqa: BLE001, S110 - the socket closed: the figures show it
            pass

    def close(self) -> None:
        self.stack.close()


class Variant:
    """One checkout of the platform with its own database, web server and worker."""

    def __init__(self, name: str, root: Path, redis_db: int) -> None:
        self.name, self.root = name, root
        self.tmp = Path(tempfile.mkdtemp(prefix=f"fanout-{name}-"))
        self.port = free_port()
        redis_url = f"redis://127.0.0.1:6379/{redis_db}"
        self.env = {**os.environ, "APP_ENV": "local", "DATABASE_URL": f"sqlite:///{self.tmp / 'db.sqlite3'}",
                    "REDIS_URL": redis_url, "MARKET_DATA_SOURCE": "simulated",
                    "DJANGO_SETTINGS_MODULE": "config.settings", "NUMBA_CACHE_DIR": str(REPO / "var" / "numba-cache")}
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        return subprocess.run([PYTHON, "manage.py", *args], cwd=self.root, env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def start(self) -> None:
        subprocess.run(["redis-cli", "-n", self.env["REDIS_URL"].rsplit("/", 1)[1], "flushdb"], check=True,
                       capture_output=True)
        print(f"[{self.name}] preparing the database (migrate, candles of 29 coins)", flush=True)
        self.manage("migrate", "--noinput")
        self.manage("fetch_candles", "--no-progress")
        log = (self.tmp / "worker.log").open("wb")
        self.processes.append(subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "market,analysis,trader", "--pool", "solo",
             "--without-gossip", "--without-mingle", "-n", f"fanout-{self.name}@%h", "--loglevel", "WARNING"],
            cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        log = (self.tmp / "web.log").open("wb")
        self.processes.append(subprocess.Popen(
            [PYTHON, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"], cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.3)
        self.scan_wait(after=0.0, timeout_s=180)  # the scan chained after the first fetch
        self.cookie = "sessionid=" + self.manage("shell", "-c", SESSION_SNIPPET).strip().splitlines()[-1]

    @property
    def web(self) -> psutil.Process:
        return psutil.Process(self.processes[1].pid)

    @property
    def worker(self) -> psutil.Process:
        return psutil.Process(self.processes[0].pid)

    def scan_end(self) -> float:
        """Wall time of the newest stored scan result (the scan's end), 0 when none."""
        with sqlite3.connect(self.tmp / "db.sqlite3") as db:
            row = db.execute("select max(computed_at) from ta_scanresult").fetchone()
        return datetime.fromisoformat(row[0]).timestamp() if row and row[0] else 0.0

    def scan_wait(self, *, after: float, timeout_s: float) -> float:
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            end = self.scan_end()
            if end > after:
                time.sleep(0.5)  # the scan stores one coin after another: wait for the last
                if self.scan_end() == end:
                    return end
            time.sleep(0.2)
        raise TimeoutError(f"[{self.name}] no scan within {timeout_s} s")

    def push_cpu_s(self) -> float | None:
        """CPU seconds the producers have spent on the live push so far (None: the code has no counters)."""
        db = self.env["REDIS_URL"].rsplit("/", 1)[1]
        out = subprocess.run(["redis-cli", "-n", db, "--raw", "hgetall", KEY_LIVE_STATS],
                             check=True, capture_output=True, text=True).stdout.split()
        fields = dict(zip(out[::2], out[1::2], strict=False))
        if not fields:
            return None
        return sum(int(value) for name, value in fields.items() if name.endswith(":cpu_us")) / 1e6

    def fetch(self) -> None:
        self.manage("shell", "-c", "from ta.tasks.market import fetch_candles; fetch_candles.delay(['5m'])")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


SESSION_SNIPPET = """
from django.contrib.auth import get_user_model
from django.test import Client
user, _ = get_user_model().objects.get_or_create(username="fanout")
client = Client(); client.force_login(user)
print(client.cookies["sessionid"].value)
"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def run_variant(variant: Variant, *, counts: list[int], events: int, new_protocol: bool) -> dict[int, dict]:
    results: dict[int, dict] = {}
    for count in counts:
        clients = [Client(f"ws://127.0.0.1:{variant.port}/ws/live/?page=scanner", variant.cookie,
                          f"http://127.0.0.1:{variant.port}", new_protocol) for _ in range(count)]
        for client in clients:
            client.start()
        time.sleep(2 + count / 50)  # every socket has its first snapshot
        latencies: list[float] = []
        web_cpu: list[float] = []
        worker_cpu: list[float] = []
        push_cpu: list[float] = []
        text_bytes: list[int] = []
        wire_bytes: list[int] = []
        lost = 0
        for _ in range(events):
            marks = [len(client.messages) for client in clients]
            wire_marks = [client.raw.received for client in clients]
            web_before, worker_before = sum(variant.web.cpu_times()[:2]), sum(variant.worker.cpu_times()[:2])
            push_before = variant.push_cpu_s()
            previous_end = variant.scan_end()
            variant.fetch()
            end = variant.scan_wait(after=previous_end, timeout_s=120)
            deadline = time.time() + 30
            arrived: list[float | None] = [None] * count
            while time.time() < deadline and any(value is None for value in arrived):
                for index, client in enumerate(clients):
                    if arrived[index] is None:
                        arrived[index] = _arrival(client.messages[marks[index]:], new_protocol)
                time.sleep(0.05)
            time.sleep(1.0)  # let trailing messages of this scan land before counting bytes
            latencies += [value - end for value in arrived if value is not None]
            lost += sum(value is None for value in arrived)
            web_cpu.append(sum(variant.web.cpu_times()[:2]) - web_before)
            worker_cpu.append(sum(variant.worker.cpu_times()[:2]) - worker_before)
            push_after = variant.push_cpu_s()
            if push_after is not None:
                push_cpu.append(push_after - (push_before or 0.0))
            for index, client in enumerate(clients):
                text_bytes.append(sum(size for _, event, size in client.messages[marks[index]:]
                                      if _scan_caused(event, new_protocol)))
                wire_bytes.append(client.raw.received - wire_marks[index])
        for client in clients:
            client.close()
        results[count] = {
            "p50": percentile(latencies, 50) if latencies else None,
            "p95": percentile(latencies, 95) if latencies else None,
            "max": max(latencies) if latencies else None, "lost": lost,
            "web_cpu": statistics.mean(web_cpu), "worker_cpu": statistics.mean(worker_cpu),
            "push_cpu": statistics.mean(push_cpu) if push_cpu else None,
            "text_kb": statistics.mean(text_bytes) / 1024, "wire_kb": statistics.mean(wire_bytes) / 1024,
        }
        _print_row(variant.name, count, results[count])
    return results


def _arrival(messages: list[tuple[float, str, int]], new_protocol: bool) -> float | None:
    """When this socket had the scan's new cards (None: not yet)."""
    if new_protocol:
        return next((at for at, event, _ in messages if event == "live.delta:scan.update"), None)
    seen_scan = False
    for at, event, _ in messages:
        seen_scan = seen_scan or event == "scan.update"
        if seen_scan and event == "dashboard.snapshot":
            return at
    return None


def _scan_caused(event: str, new_protocol: bool) -> bool:
    if new_protocol:
        return event == "live.delta:scan.update"
    return event in ("ta.signal", "scan.update", "dashboard.snapshot")


def _print_row(name: str, count: int, row: dict) -> None:
    def ms(value: float | None) -> str:
        return "   -  " if value is None else f"{value * 1000:6.0f}"

    push = "  -  " if row["push_cpu"] is None else f"{row['push_cpu'] * 1000:.0f} ms"
    print(f"{name:>9} N={count:<4} latency ms p50 {ms(row['p50'])} p95 {ms(row['p95'])} max {ms(row['max'])}"
          f"  lost {row['lost']:<3} cpu/event: push {push}, web {row['web_cpu']:.2f} s "
          f"({row['web_cpu'] / count * 1000:.1f} ms/socket), worker {row['worker_cpu']:.2f} s"
          f"  per socket per scan {row['text_kb']:.1f} KB text, {row['wire_kb']:.1f} KB wire", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", default="1,50,200", help="Comma-separated socket counts (default 1,50,200).")
    parser.add_argument("--events", type=int, default=3, help="Scans measured per socket count (default 3).")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="Commit to compare with.")
    parser.add_argument("--no-baseline", action="store_true", help="Measure this checkout only.")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database the bench may empty (default 9).")
    args = parser.parse_args()
    counts = [int(part) for part in args.sockets.split(",")]
    if any(count < 1 for count in counts) or args.events < 1:
        parser.error("--sockets and --events take positive numbers")

    variants: list[tuple[Variant, bool]] = [(Variant("current", REPO, args.redis_db), True)]
    worktree: Path | None = None
    if not args.no_baseline:
        worktree = Path(tempfile.mkdtemp(prefix="fanout-baseline-")) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(worktree), args.baseline],
                       check=True, capture_output=True)
        (worktree / ".venv").symlink_to(REPO / ".venv")
        variants.insert(0, (Variant("baseline", worktree, args.redis_db), False))
    figures = {}
    try:
        for variant, new_protocol in variants:
            try:
                variant.start()
                figures[variant.name] = run_variant(variant, counts=counts, events=args.events,
                                                    new_protocol=new_protocol)
            finally:
                variant.stop()
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(worktree)],
                           capture_output=True)
    current = figures["current"]
    work = [current[count]["push_cpu"] or 0.0 for count in counts]
    spread = (max(work) - min(work)) / max(min(work), 1e-9) * 100
    top = current[max(counts)]
    print(f"\ntargets: p95 at N={max(counts)} {top['p95'] * 1000 if top['p95'] else float('nan'):.0f} ms (< 1000); "
          f"the push's producer work per event across N varies {spread:.0f} % (< 20 %); "
          f"per socket per scan {top['text_kb']:.1f} KB text / {top['wire_kb']:.1f} KB wire (< 30 KB)")
    if "baseline" in figures:
        base = figures["baseline"][max(counts)]
        if base["p95"] and top["p95"]:
            print(f"ratio at N={max(counts)}: p95 latency baseline/current {base['p95'] / top['p95']:.1f}x, "
                  f"bytes per socket {base['text_kb'] / max(top['text_kb'], 1e-9):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
