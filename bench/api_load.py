"""Benchmark: the web tier under a constant request rate, against its floor.

Run (PostgreSQL, as production):
    createdb wt_serve_bench
    .venv/bin/python bench/api_load.py --database-url postgres://root@127.0.0.1:5432/wt_serve_bench
SQLite (the local default), 50 req/s only:
    .venv/bin/python bench/api_load.py --database-url sqlite:////tmp/bench.sqlite3 --rates 50

Starts the web tier as production does (``python -m config.web``: WEB_CONCURRENCY
uvicorn processes, APP_ENV=production, each process with its PostgreSQL pool), on a
database that is migrated and seeded here (29 symbols priced and scanned, dry-run with
three open paper positions, a day of 5m derivatives rows per coin, a read-only API key).
Then, for each rate (default 50, 100, 200 req/s), ``--duration`` seconds (default 20) of
open-loop load (requests are sent on schedule whatever the server's answers; latency counts from the scheduled time) of:

- floor: ``/bench/floor``, a plain Django view doing one query (``bench/api_urls.py``),
  served by the same server in the same run: the least one request costs here;
- api: the hot endpoints in turn with the API key (/api/v1/status, /config, /scan,
  /positions, /account, /api/trader/status). Throttling is off (one key at 200 req/s
  would be throttled; DRF's counter is a list as long as the rate allows, so a rate set
  high enough would cost more than a real one). /health is not in the mix: no Celery
  worker runs here, so it answers 503 (its query count is in the tests).

Prints achieved rate, p50/p95/p99 latency, errors (5xx or no answer), the peak number
of connections to the database (sampled every 100 ms from pg_stat_activity) and the web
tier's CPU per answered request (all its processes, psutil; steadier than latency on a
shared machine) and the load generator's own (it runs on the same cores) per step.
Targets on the 2-core machine: at 200 req/s p99 < 50 ms, zero errors, connections within
WEB_CONCURRENCY x DB_POOL_MAX_SIZE. The machine is shared: read figures with the floor.

``--project-dir DIR --legacy`` runs the server from another checkout with the single
uvicorn process the Dockerfile used before (copy bench/api_settings.py and
bench/api_urls.py there first): the "before" figures.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from config.loadgen import LoadResult, PgConnectionWatch, load_open_loop  # noqa: E402
from config.testing import free_port, port_open, wait_until  # noqa: E402

API_PATHS = ["/api/v1/status", "/api/v1/config", "/api/v1/scan", "/api/v1/positions", "/api/v1/account",
             "/api/trader/status"]
FLOOR_PATH = "/bench/floor"

# Runs inside the project (manage.py shell): prices and scans for every symbol, dry-run with
# three positions opened by a real cycle, and a read-only key (printed on the last line).
SEED = r'''
import secrets
from datetime import timedelta
from django.utils import timezone
from ta.models import Candle, ScanResult, ScanStatus, Symbol
from trader.api.keys import api_key_create
from trader.cycle.run import cycle_run
from trader.services.actor import Actor
from trader.services.status import trader_mode_set

now = timezone.now()
open_time = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
opened = {"BTCUSDT": 70, "ETHUSDT": 68, "SOLUSDT": 66}
for index, symbol in enumerate(Symbol.objects.filter(enabled=True)):
    price = 100 + index
    Candle.objects.update_or_create(symbol=symbol, timeframe="5m", open_time=open_time, defaults={
        "open": price, "high": price, "low": price, "close": price, "volume": 1, "is_closed": False})
    ScanResult.objects.update_or_create(symbol=symbol, defaults={
        "status": ScanStatus.OK, "computed_at": now, "long_score": opened.get(symbol.symbol, 20),
        "short_score": 10, "payload": {"symbol": symbol.symbol}})
# A day of 5m derivatives rows per coin (what /scan's latest values are computed from).
from decimal import Decimal
from ta.models import DerivativesPoint
DerivativesPoint.objects.all().delete()
DerivativesPoint.objects.bulk_create([
    DerivativesPoint(symbol=symbol, period="5m", time=open_time - timedelta(minutes=5 * (step + 1)), source="bench",
                     open_interest=Decimal(1000 + step), open_interest_value=Decimal(100000 + step), cvd=Decimal(step),
                     global_long_short_ratio=Decimal("1.2"), top_long_short_account_ratio=Decimal("1.1"),
                     top_long_short_position_ratio=Decimal("0.9"), funding_rate=Decimal("0.0001"))
    for symbol in Symbol.objects.filter(enabled=True) for step in range(288)], batch_size=2000)
trader_mode_set(mode="dry-run", actor=Actor.for_command(name="bench"))
log = cycle_run()
print("cycle", log.outcome, log.errors)
print("KEY", api_key_create(name="bench-" + secrets.token_hex(4), read_only=True).plain_key)
'''


def _server_env(*, database_url: str, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench.api_settings",
        APP_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        VAR_DIR=var_dir,
        API_THROTTLE_RATE="off",
        # Plain HTTP on loopback: in production TLS ends at the proxy (README "Behind a TLS proxy");
        # with the redirect on, every request would be measured as a 301 that never reaches a view.
        SECURE_SSL_REDIRECT="false",
        MARKET_DATA_SOURCE="simulated",
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    return env


def _prepare(*, project_dir: Path, env: dict[str, str]) -> str:
    """Migrate and seed; the API key."""
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=project_dir, env=env, check=True)
    seeded = subprocess.run([*manage, "shell", "-c", SEED], cwd=project_dir, env=env, check=True,
                            capture_output=True, text=True)
    lines = seeded.stdout.strip().splitlines()
    print("seed:", next((line for line in lines if line.startswith("cycle")), "?"))
    return lines[-1].split(" ", 1)[1]


def _server_argv(*, port: int, workers: int, legacy: bool) -> list[str]:
    if legacy:  # what the Dockerfile and run_platform started before: one uvicorn process
        return [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
                "--port", str(port), "--no-access-log"]
    return [sys.executable, "-m", "config.web", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--no-proxy-headers"]


def _server_cpu_s(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) used so far by the web tier: its master and every worker process."""
    import psutil

    root = psutil.Process(server.pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _own_cpu_s() -> float:
    """CPU seconds this process (the load generator) has used so far."""
    times = os.times()
    return times.user + times.system


def _row(name: str, rate: int, result: LoadResult, peak: int | None, cpu_ms: float, load_ms: float) -> str:
    peak_text = "-" if peak is None else str(peak)
    return (f"{name:<6} {rate:>5}/s {result.achieved_rate:>9.1f} {result.percentile_ms(50):>8.1f} "
            f"{result.percentile_ms(95):>8.1f} {result.percentile_ms(99):>8.1f} {result.errors:>7} {peak_text:>9}"
            f" {cpu_ms:>10.2f} {load_ms:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False,
                        help="a database for the bench (migrated and seeded here); default DATABASE_URL")
    parser.add_argument("--rates", default="50,100,200", help="requests per second, comma-separated")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per step")
    parser.add_argument("--workers", type=int, default=None, help="web processes (default: WEB_CONCURRENCY)")
    parser.add_argument("--project-dir", type=Path, default=REPO, help="the checkout whose server runs")
    parser.add_argument("--legacy", action="store_true", help="one uvicorn process, as before this change")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    rates = [int(rate) for rate in args.rates.split(",")]
    workers = args.workers or int(os.environ.get("WEB_CONCURRENCY") or min(os.cpu_count() or 1, 4))
    var_dir = tempfile.mkdtemp(prefix="api-load-")
    env = _server_env(database_url=args.database_url, var_dir=var_dir)
    plain_key = _prepare(project_dir=args.project_dir, env=env)
    parsed = urlparse(args.database_url)
    postgres = parsed.scheme.startswith("postgres")
    database = parsed.path.lstrip("/")

    port = free_port()
    log_path = Path(var_dir) / "server.log"
    argv = _server_argv(port=port, workers=workers, legacy=args.legacy)
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(argv, cwd=args.project_dir, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    headers = {"X-API-Key": plain_key}
    try:
        wait_until(lambda: server.poll() is None and port_open(port), timeout_s=60, what="the web tier")
        load_open_loop(base_url=base_url, paths=[*API_PATHS, FLOOR_PATH], rate=20, duration_s=3, headers=headers)
        print(f"server: {' '.join(argv[1:])}  ({'PostgreSQL' if postgres else 'SQLite'}, "
              f"{'1 process' if args.legacy else f'{workers} processes'}, {os.cpu_count()} CPUs, shared machine)")
        print(f"{'step':<6} {'target':>7} {'achieved':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'errors':>7} {'peak conn':>9} {'cpu ms/req':>10} {'(loadgen)':>9}")
        for rate in rates:
            for name, paths in (("floor", [FLOOR_PATH]), ("api", API_PATHS)):
                cpu_before, load_before = _server_cpu_s(server), _own_cpu_s()
                if postgres:
                    with PgConnectionWatch(dsn=args.database_url, database=database) as watch:
                        result = load_open_loop(base_url=base_url, paths=paths, rate=rate,
                                                duration_s=args.duration, headers=headers)
                    peak = watch.peak_total
                else:
                    result = load_open_loop(base_url=base_url, paths=paths, rate=rate, duration_s=args.duration,
                                            headers=headers)
                    peak = None
                answered = max(result.answered, 1)
                cpu_ms = (_server_cpu_s(server) - cpu_before) * 1000 / answered
                load_ms = (_own_cpu_s() - load_before) * 1000 / answered
                print(_row(name, rate, result, peak, cpu_ms, load_ms), flush=True)
                if result.errors:
                    print(f"       statuses {dict(result.statuses)} failures {dict(result.failures)}")
        if postgres:
            time.sleep(2)
            after = PgConnectionWatch(dsn=args.database_url, database=database).sample()
            print(f"connections 2 s after the load: {sum(after.values())} {dict(after)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    errors = [line for line in log_path.read_text(errors="replace").splitlines() if "Error" in line]
    if errors:
        print(f"server log: {len(errors)} error line(s), e.g. {errors[0][:300]}")


if __name__ == "__main__":
    main()
