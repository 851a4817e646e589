"""Benchmark: the Binance adapter's request-weight budget against the loopback server.

Run: ``.venv/bin/python bench/binance_budget.py [--requests 60] [--limit 40] [--window 2]``

The server allows ``--limit`` weight per ``--window`` seconds and bans (418) a client that
keeps sending after a 429. Two runs of the same balance reads (weight 5 each) in this
process:

  * baseline: the adapter with its predictive budget off (headroom far above 1): it only
    reacts to a 429 (refusing locally until Retry-After), as a client reading no
    weight headers would;
  * tracked: the adapter's header-tracked budget (90 % headroom).

Prints, for each, the reads that succeeded, the 429s and 418s earned and the elapsed
time, plus signed reads per second of the tracked client on an unlimited server (the
cost of the bookkeeping beside a plain ``GET /fapi/v1/time`` round trip).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="binance-bench-"))
os.environ.setdefault("APP_ENV", "test")  # the adapter then refuses any non-loopback host

API_KEY, SECRET = "benchKey0123456789", "bench-secret-0123456789"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--window", type=int, default=2)
    args = parser.parse_args()

    import django

    django.setup()
    from coinex.binance import BinanceUsdmClient
    from coinex.binance.limits import UsageTracker
    from coinex.client import ApiCredentials
    from coinex.errors import ExchangeTemporaryError
    from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer

    sandbox = BinanceSandbox(api_key=API_KEY, secret_key=SECRET, weight_limit=args.limit,
                             weight_window_s=args.window, ban_s=args.window)
    server = BinanceSandboxServer(sandbox=sandbox).start()

    def run(headroom: float) -> tuple[int, int, int, float]:
        sandbox.reset(balance=sandbox.starting_balance)
        time.sleep(args.window - time.time() % args.window)  # start both runs at a window boundary
        client = BinanceUsdmClient.create(base_url=server.base_url, credentials=ApiCredentials(API_KEY, SECRET))
        client.transport.tracker = UsageTracker(headroom=headroom, max_wait_s=args.window + 1)
        client.markets()  # reads the server's limits
        ok, started = 0, time.perf_counter()
        for _ in range(args.requests):
            try:
                client.balance()
                ok += 1
            except ExchangeTemporaryError:
                time.sleep(0.05)  # what a naive retry loop does
        elapsed = time.perf_counter() - started
        client.close()
        return ok, sandbox.statuses.get(429, 0), sandbox.statuses.get(418, 0), elapsed

    for name, headroom in (("baseline (reacts to 429)", 1e9), ("tracked budget (90 %)", 0.9)):
        ok, limited, banned, elapsed = run(headroom)
        print(f"{name:28s} {ok:4d}/{args.requests} reads ok, {limited:3d} x 429, {banned:3d} x 418, "
              f"{elapsed:6.2f} s")

    sandbox.weight_limit = 10**9
    sandbox.reset(balance=sandbox.starting_balance)
    client = BinanceUsdmClient.create(base_url=server.base_url, credentials=ApiCredentials(API_KEY, SECRET))
    count = 300
    started = time.perf_counter()
    for _ in range(count):
        client.transport.server_time_ms()
    plain = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(count):
        client.balance()
    signed = count / (time.perf_counter() - started)
    print(f"unlimited server: GET /fapi/v1/time {plain:7.0f}/s, signed balance read {signed:7.0f}/s "
          f"(ratio {plain / signed:.2f})")
    client.close()
    server.stop()


if __name__ == "__main__":
    main()
