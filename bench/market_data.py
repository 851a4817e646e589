"""Benchmark: candle backfill and upsert throughput into the database, beside a raw insert baseline.

Run: ``DATABASE_URL=postgres://root@127.0.0.1:5432/mdata_bench .venv/bin/python bench/market_data.py``

The database is created when missing and migrated. Data: the newest 1000 real candles
of 5m, 1h and 4h for all 29 symbols of the shared klines (87,000 candles). Timed in
one process, each on an emptied ``ta_candle`` table, best of ``--repeat`` runs:

  * baseline: the same rows with psycopg ``executemany`` of a plain INSERT (no conflict
    handling, no change detection): what the database takes at best per statement row;
  * reference: PostgreSQL ``COPY`` of the same rows (the absolute floor, printed only);
  * upsert (backfill): ``candles_upsert`` per series into the empty table;
  * upsert (refetch): the same again, every row already stored and unchanged;
  * backfill end to end: ``market_fetch`` from the loopback fake Binance (HTTP, JSON,
    validation, upsert, bus publishes) for all 87 series.

Prints candles/s and the ratio upsert / baseline (target >= 50 %).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")

TIMEFRAMES = ("5m", "1h", "4h")
CANDLES = 1000


def database_ensure(url: str) -> None:
    """Create the PostgreSQL database named by ``url`` when it does not exist."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = url.replace(f"/{name}", "/postgres", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def best_of(repeat: int, prepare: Callable[[], None], run: Callable[[], object]) -> float:
    """Fastest of ``repeat`` timed runs of ``run``, each after an untimed ``prepare``."""
    times = []
    for _ in range(repeat):
        prepare()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--klines", type=Path, default=None, help="default: KLINES_DIR")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        database_ensure(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from ta.models import Candle, Symbol
    from ta.services.candles import candles_upsert
    from ta.services.fetch import market_fetch
    from ta.sources.binance import BinanceSource
    from ta.sources.csv_files import csv_candles_read
    from ta.testing.fake_binance import FakeBinance

    klines = args.klines or Path(settings.KLINES_DIR)
    symbols = {s.symbol: s.pk for s in Symbol.objects.all()}
    series = {}
    for symbol in symbols:
        for timeframe in TIMEFRAMES:
            bars = csv_candles_read(klines / f"{symbol}-{timeframe}.csv.gz", symbol=symbol, timeframe=timeframe).bars
            series[(symbol, timeframe)] = bars[-CANDLES:]
    total = sum(len(bars) for bars in series.values())
    table = Candle._meta.db_table
    columns = ("symbol_id", "timeframe", "open_time", "open", "high", "low", "close", "volume", "is_closed")
    rows = [
        (symbols[symbol], timeframe, bar.open_time, bar.open, bar.high, bar.low, bar.close, bar.volume, True)
        for (symbol, timeframe), bars in series.items()
        for bar in bars
    ]

    def empty() -> None:
        Candle.objects.all().delete() if connection.vendor != "postgresql" else _truncate(connection, table)

    def baseline() -> None:
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)  # noqa: S608

    def copy() -> None:
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copier:
            for row in rows:
                copier.write_row(row)
        raw.commit()

    def upsert() -> None:
        for (symbol, timeframe), bars in series.items():
            candles_upsert(symbol_id=symbols[symbol], timeframe=timeframe, bars=bars)

    results = {}
    connection.ensure_connection()
    results["baseline: executemany INSERT"] = best_of(args.repeat, empty, baseline)
    if connection.vendor == "postgresql":
        results["reference: COPY"] = best_of(args.repeat, empty, copy)
    results["upsert: backfill into empty table"] = best_of(args.repeat, empty, upsert)
    results["upsert: refetch, nothing changed"] = best_of(args.repeat, lambda: None, upsert)
    assert Candle.objects.count() == total

    newest = max(bar.open_time for bars in series.values() for bar in bars)
    # Each symbol's own window: the fake serves up to its "now"; files end on different days.
    ends = {symbol: max(series[(symbol, tf)][-1].open_time for tf in TIMEFRAMES) for symbol in symbols}
    fetched = {}

    fake = FakeBinance(klines, now=newest)
    fake.start()
    for symbol, timeframe in series:  # load the files before timing: the fake's cost is not ours
        fake.series_rows(symbol, timeframe)
    source = BinanceSource(base_url=fake.base_url, weight_limit_1m=1_000_000)

    def backfill() -> None:
        count = 0
        for symbol, end in ends.items():
            fake.now = end + timedelta(hours=4)
            report = market_fetch(timeframes=list(TIMEFRAMES), symbols=[symbol], source=source,
                                  backfill=CANDLES, wall_now=fake.now)
            count += sum(outcome.fetched for outcome in report.series)
        fetched["n"] = count

    results["backfill end to end (fake Binance)"] = best_of(args.repeat, empty, backfill)
    source.close()
    fake.stop()

    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']}); "
          f"{total:,} candles = {len(symbols)} symbols x {len(TIMEFRAMES)} timeframes x {CANDLES}")
    for name, seconds in results.items():
        count = fetched["n"] if name.startswith("backfill") else total
        print(f"  {name:<40} {seconds:7.3f} s  {count / seconds:>10,.0f} candles/s")
    base = total / results["baseline: executemany INSERT"]
    ours = total / results["upsert: backfill into empty table"]
    print(f"upsert / baseline = {ours / base:.0%} (target >= 50 %)")
    return 0


def _truncate(connection, table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")


if __name__ == "__main__":
    raise SystemExit(main())
