"""Benchmark: a trading cycle that raises alerts, with Redis up and with Redis down (issue 16 item 5).

Run: ``.venv/bin/python bench/alerts_redis_down.py [--cycles 5] [--old-path]``

A dry-run cycle on the paper exchange (SQLite in a temporary VAR_DIR) with two positions
the bot did not open, so every cycle raises two alerts (unknown position). Telegram is
the loopback stub; Redis is a ``redis-server`` of the bench's own on a free port, killed
for the second half. Prints the cycle time with Redis up (the baseline), with Redis down,
and their ratio; ``--old-path`` also times one enqueue the way it was done before the fix
(Celery's ``apply_async`` with its default reconnect loop; ~19 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="alerts-bench-"))
os.environ.setdefault("APP_ENV", "test")
os.environ["DATABASE_URL"] = f"sqlite:///{os.environ['VAR_DIR']}/bench.sqlite3"


def cycle_times(count: int, run) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--old-path", action="store_true")
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from coinex.dto import OrderSide, OrderType
    from coinex.paper import PaperConfig, PaperExchange
    from config.bus import client as bus_client
    from trader.cycle.run import cycle_run
    from trader.services.actor import Actor
    from trader.services.status import trader_mode_set
    from trader.testing.redis_server import RedisServer
    from trader.testing.telegram import TelegramStub

    redis_server = RedisServer(log_dir=Path(settings.VAR_DIR)).start()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis_server.url
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_server.url]}}}
    trader_mode_set(mode="dry-run", actor=Actor.for_command(name="bench"))
    prices = {"BTCUSDT": Decimal("60000"), "ETHUSDT": Decimal("3000")}
    paper = PaperExchange(price_provider=prices.get, config=PaperConfig(starting_balance=Decimal("100000")),
                          account_name="bench")
    paper.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                      client_id="manual-1")
    paper.order_place(symbol="ETHUSDT", side=OrderSide.SELL, type=OrderType.MARKET, amount=Decimal("0.1"),
                      client_id="manual-2")
    with TelegramStub(token="1:bench", chat_id="1") as stub:  # noqa: S106 - the loopback stub's token
        settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_CHAT_ID, settings.TELEGRAM_API_URL = "1:bench", "1", stub.url
        up = cycle_times(options.cycles, lambda: cycle_run(exchange=paper))
        redis_server.stop()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        down = cycle_times(options.cycles, lambda: cycle_run(exchange=paper))
        if os.environ.get("BENCH_PROFILE"):
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        stub.wait_for(2 * options.cycles, timeout_s=30)  # the direct sends of the Redis-down cycles
        print(f"cycle with 2 alerts: Redis up {statistics.median(up) * 1000:7.0f} ms | Redis down "
              f"{statistics.median(down) * 1000:7.0f} ms (max {max(down) * 1000:.0f} ms) | down / up "
              f"{statistics.median(down) / statistics.median(up):.2f}x | Telegram received {len(stub.messages)}")
        if options.old_path:
            from trader.tasks import send_alert

            started = time.perf_counter()
            try:
                send_alert.apply_async(kwargs={"text": "old path"}, retry=False)
            except Exception:  # noqa: BLE001, S110 - the old path ends in an error after its loop
                pass
            print(f"old enqueue path with Redis down: {time.perf_counter() - started:.1f} s per alert")
    bus_client.outage.succeeded()


if __name__ == "__main__":
    main()
