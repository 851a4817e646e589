"""Helpers for tests that run real services: subprocess env, free ports, waiting.

The fixtures in the root ``conftest.py`` use these to start a real Celery worker, beat
and the uvicorn ASGI server against the test database and the test Redis.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parent.parent


def database_url_for_current_connection() -> str:
    """A DATABASE_URL naming the database the tests use now (the test database)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def service_environment(**overrides: str) -> dict[str, str]:
    """The environment for a service subprocess: this one's, on the test database."""
    env = os.environ.copy()
    env["DATABASE_URL"] = database_url_for_current_connection()
    env.setdefault("APP_ENV", "test")
    env.update(overrides)
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_port() -> int:
    """A port on 127.0.0.1 where a connection is refused (nothing listens)."""
    return free_port()


def wait_until(condition: Callable[[], bool], *, timeout_s: float, interval_s: float = 0.2, what: str) -> None:
    """Poll ``condition`` until it is true; ``TimeoutError`` naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval_s)
    raise TimeoutError(f"{what} not ready within {timeout_s:.0f} s")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def start_process(argv: list[str], *, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start ``argv`` from the project directory with output to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("wb")
    return subprocess.Popen(argv, cwd=PROJECT_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT)


def stop_process(process: subprocess.Popen, *, grace_s: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after ``grace_s``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def python_argv(*args: str) -> list[str]:
    """``python <args>`` with this interpreter (the virtualenv's)."""
    return [sys.executable, *args]


@contextmanager
def web_tier(*, workers: int, log_name: str, **env_overrides: str) -> Iterator[int]:
    """The web tier as production runs it (``config.runner.web_argv``: ``workers`` uvicorn
    processes), on the test database and Redis; yields its port, stops it on exit."""
    from django.conf import settings

    from config.runner import web_argv

    port = free_port()
    log_path = Path(settings.VAR_DIR) / "test-logs" / f"{log_name}.log"
    process = start_process(web_argv(host="127.0.0.1", port=port, workers=workers),
                            env=service_environment(**env_overrides), log_path=log_path)

    def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the web tier exited:\n{log_path.read_text(errors='replace')[-3000:]}")
        return port_open(port)

    try:
        wait_until(listening, timeout_s=60, what="the web tier")
        yield port
    finally:
        stop_process(process)
