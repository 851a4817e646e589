"""Benchmark: exchange calls per second, each beside a baseline in the same process.

Run: ``.venv/bin/python bench/coinex_exchange.py [--orders 300]``

  * live client -> loopback sandbox: signed market orders (sign, rate-limit bucket, HTTP,
    JSON, simulator, parse) beside the baseline of an unsigned ``GET /v2/time`` on the
    same connection pool (HTTP round trip with nothing else);
  * paper exchange (SQLite in a temporary VAR_DIR): orders through the database state
    beside the baseline of the same orders on the in-memory simulator.

Prints calls/s and the overhead ratio. The client's own rate limit (20 orders/s) is
lifted for the measurement; the sandbox's too.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="coinex-bench-"))
os.environ.setdefault("APP_ENV", "test")  # the client then refuses any non-loopback host


def rate(count: int, run: Callable[[int], object]) -> float:
    """Calls per second of ``run(i)`` for i in range(count)."""
    started = time.perf_counter()
    for i in range(count):
        run(i)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    count = parser.parse_args().orders

    import django

    django.setup()
    from django.core.management import call_command

    from coinex.client import ApiCredentials, CoinExClient, CoinExTransport
    from coinex.client.ratelimit import RateGroup, buckets_create
    from coinex.dto import OrderSide, OrderType
    from coinex.paper import PaperConfig, PaperExchange
    from coinex.sandbox import SandboxExchange, SandboxServer
    from coinex.simulator.engine import SimulatedAccount
    from coinex.simulator.markets import default_markets
    from coinex.simulator.state import SimState

    unlimited = {group: 1e9 for group in RateGroup}
    sandbox = SandboxExchange(access_id="BENCH", secret_key="bench-secret", rates_per_s=unlimited,  # noqa: S106
                              starting_balance=Decimal("1e9"))
    with SandboxServer(exchange=sandbox) as server:
        transport = CoinExTransport(base_url=server.base_url, credentials=ApiCredentials("BENCH", "bench-secret"),
                                    buckets=buckets_create(unlimited))
        client = CoinExClient(transport=transport)
        client.markets()
        baseline = rate(count, lambda i: transport.get("/time"))
        side = (OrderSide.BUY, OrderSide.SELL)
        orders = rate(count, lambda i: client.order_place(symbol="BTCUSDT", side=side[i % 2], type=OrderType.MARKET,
                                                          amount=Decimal("0.001"), client_id=f"b{i}"))
        print(f"sandbox: GET /time {baseline:8.0f}/s | signed market order {orders:8.0f}/s "
              f"| order / baseline {orders / baseline:.0%}")

    call_command("migrate", verbosity=0)
    prices = {"BTCUSDT": Decimal("60000")}
    paper = PaperExchange(price_provider=prices.get, config=PaperConfig(starting_balance=Decimal("1e9")),
                          account_name="bench")
    engine = SimulatedAccount(state=SimState(wallet=Decimal("1e9")), markets=default_markets(),
                              clock=lambda: datetime.now(tz=UTC))
    engine.price_update(symbol="BTCUSDT", price=Decimal("60000"))
    memory = rate(count, lambda i: engine.order_place(symbol="BTCUSDT", side=side[i % 2], type=OrderType.MARKET,
                                                      amount=Decimal("0.001"), price=None, client_id=f"m{i}"))
    stored = rate(count, lambda i: paper.order_place(symbol="BTCUSDT", side=side[i % 2], type=OrderType.MARKET,
                                                     amount=Decimal("0.001"), client_id=f"p{i}"))
    print(f"paper:   in-memory order {memory:8.0f}/s | database-backed order {stored:8.0f}/s "
          f"| stored / in-memory {stored / memory:.0%}")


if __name__ == "__main__":
    main()
