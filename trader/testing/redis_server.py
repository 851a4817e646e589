"""A Redis server of a test's own, on a free loopback port, that the test can stop and start again.

Fault tests stop it to take Redis away from the code under test without touching the
Redis every other test uses.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from config.testing import free_port, wait_until


class RedisServer:
    """``redis-server`` on 127.0.0.1:``port`` (no persistence); ``url`` is its database 0."""

    def __init__(self, *, log_dir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.log_path = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except (redis.RedisError, OSError):
            return False

    def start(self) -> RedisServer:
        """Start (or restart, on the same port) and wait until it answers PING."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT)
        wait_until(self.answers, timeout_s=10, interval_s=0.05, what=f"redis-server on port {self.port}")
        return self

    def stop(self) -> float:
        """Kill it (as a crash would); returns when the port refuses connections. Returns the seconds taken."""
        started = time.monotonic()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        return time.monotonic() - started
