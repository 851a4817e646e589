"""Run the whole platform from one terminal: ASGI server, Celery worker, beat, outage watcher.

Used by ``manage.py run_platform`` (the README's run command). It prepares the
database and schedules, makes sure there is an admin to log in with, starts the
processes and supervises them: Ctrl-C (or SIGTERM) stops them all cleanly, and if one
dies the others are stopped too, so nothing keeps running half-broken.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.contrib.auth import get_user_model

from config.celery import QUEUES

logger = logging.getLogger(__name__)

STOP_GRACE_S = 15.0
REDIS_START_WAIT_S = 10.0


@dataclass(frozen=True)
class AdminAccount:
    username: str
    password: str | None  # None when the account already existed (its password is not known)


def admin_ensure(*, username: str, email: str) -> AdminAccount:
    """Create a superuser with a random password when none exists; never a default password."""
    user_model = get_user_model()
    if user_model.objects.filter(is_superuser=True).exists():
        existing = user_model.objects.filter(is_superuser=True).order_by("pk").first()
        return AdminAccount(existing.get_username(), None)
    password = secrets.token_urlsafe(18)
    user_model.objects.create_superuser(username=username, email=email, password=password)
    return AdminAccount(username, password)


def trader_demo_mode() -> str:
    """A fresh install starts in dry-run (paper trading, never live); a chosen mode is kept."""
    from trader.services.actor import Actor
    from trader.services.status import status_get, trader_mode_first_run

    changed = trader_mode_first_run(mode="dry-run", actor=Actor.for_command(name="run_platform"))
    mode = status_get().mode
    if changed is not None:
        return f"trader: fresh install, started in {mode} (paper trading; switch modes on the trader page)"
    return f"trader: mode {mode} (as last chosen)"


def redis_is_up(url: str) -> bool:
    """True when Redis at ``url`` answers PING within a second."""
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def redis_ensure(*, url: str, var_dir: Path) -> str:
    """Make sure Redis answers at ``url``; start a local ``redis-server`` if it is local and absent.

    Returns a one-line description of what was done. Raises ``RuntimeError`` with
    instructions when Redis is not reachable and cannot be started here.
    """
    if redis_is_up(url):
        return f"Redis answers at {_without_password(url)}"
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"Redis at {_without_password(url)} does not answer; start it or fix REDIS_URL.")
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError(
            f"Redis does not answer at {host}:{port} and redis-server is not installed. "
            "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) "
            "or point REDIS_URL at a running Redis."
        )
    log_file = var_dir / "log" / "redis.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [server, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(var_dir), "--logfile", str(log_file)],
        check=True,
    )
    deadline = time.monotonic() + REDIS_START_WAIT_S
    while time.monotonic() < deadline:
        if redis_is_up(url):
            return f"started a local Redis on 127.0.0.1:{port} (stop it with: redis-cli -p {port} shutdown)"
        time.sleep(0.2)
    raise RuntimeError(f"started redis-server on port {port} but it does not answer; see {log_file}")


def _without_password(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None


def web_argv(*, host: str, port: int, workers: int, proxy_headers: bool = False) -> list[str]:
    """The web tier's command: uvicorn with ``workers`` processes on one port (README "Serving").

    The same command for ``run_platform``, the Docker image (``python -m config.web``),
    the tests and ``bench/api_load.py``. ``workers`` > 1 runs uvicorn's supervisor, which
    restarts a worker that dies; each worker has its own database pool (DB_POOL_MAX_SIZE).
    """
    argv = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", host, "--port", str(port),
            "--workers", str(workers), "--http", "config.http_protocol:NoDelayHttpToolsProtocol",
            "--loop", "uvloop", "--no-access-log", "--timeout-graceful-shutdown", "10"]
    if proxy_headers:
        argv += ["--proxy-headers", "--forwarded-allow-ips", "*"]
    return argv


def platform_processes(*, host: str, port: int, concurrency: int, web_workers: int) -> list[ManagedProcess]:
    """The processes of a local run, all from this virtualenv's Python."""
    python = sys.executable
    return [
        ManagedProcess("web", web_argv(host=host, port=port, workers=web_workers)),
        ManagedProcess(
            "worker",
            [python, "-m", "celery", "-A", "config", "worker", "-Q", ",".join(QUEUES),
             "--concurrency", str(concurrency), "--loglevel", "INFO", "-n", "worker@%h"],
        ),
        ManagedProcess("beat", [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]),
        # Alerts a Redis or database outage; it needs neither to run (trader/services/outage.py).
        ManagedProcess("outage-watch", [python, "manage.py", "outage_watch"]),
        # The exchange streams (docs/EXCHANGES.md): only when enabled; the simulated market has none.
        *([ManagedProcess("streams", [python, str(settings.BASE_DIR / "manage.py"), "run_streams"])]
          if settings.STREAMS_ENABLED else []),
    ]


def processes_supervise(processes: list[ManagedProcess], *, on_started=None) -> int:
    """Start ``processes`` and wait; stop all on Ctrl-C, SIGTERM or the first one exiting.

    Returns 0 after a requested stop, 1 when a process died on its own.
    """
    stop_requested = False

    def request_stop(signum, frame):
        nonlocal stop_requested
        stop_requested = True

    previous_int = signal.signal(signal.SIGINT, request_stop)
    previous_term = signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    try:
        for managed in processes:
            # Own process group: the terminal's Ctrl-C reaches us only, and we stop the
            # children in order, each with the signal it shuts down gracefully on.
            managed.process = subprocess.Popen(managed.argv, env=os.environ.copy(), start_new_session=True)
        if on_started:
            on_started()
        while not stop_requested:
            died = [m for m in processes if m.process.poll() is not None]
            if died:
                for managed in died:
                    logger.error("%s exited unexpectedly with code %s; stopping the platform",
                                 managed.name, managed.process.returncode)
                exit_code = 1
                break
            time.sleep(0.5)
    finally:
        _stop_all(processes)
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    return exit_code


def _stop_all(processes: list[ManagedProcess]) -> None:
    running = [m for m in processes if m.process is not None and m.process.poll() is None]
    for managed in running:
        managed.process.send_signal(signal.SIGTERM)  # warm shutdown for Celery, graceful for uvicorn
    deadline = time.monotonic() + STOP_GRACE_S
    for managed in running:
        try:
            managed.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop within %.0f s; killing it", managed.name, STOP_GRACE_S)
            managed.process.kill()
            managed.process.wait()


def platform_banner(*, host: str, port: int, admin: AdminAccount) -> str:
    """What the operator needs after start: where to go and how to log in."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a comparison, not a bind
    lines = [
        "",
        "=" * 64,
        f"  Dashboard:  http://{shown_host}:{port}/",
        f"  Admin:      http://{shown_host}:{port}/admin/",
        f"  API docs:   http://{shown_host}:{port}/docs",
        f"  Health:     http://{shown_host}:{port}/health",
    ]
    if admin.password:
        lines += [
            f"  Admin user: {admin.username}",
            f"  Password:   {admin.password}",
            "  (shown once: write it down; change it with manage.py changepassword)",
        ]
    else:
        lines += [f"  Admin user: {admin.username} (existing; reset with: manage.py changepassword {admin.username})"]
    lines += ["  Stop everything with Ctrl-C.", "=" * 64, ""]
    return "\n".join(lines)


def var_dir() -> Path:
    return Path(settings.VAR_DIR)
