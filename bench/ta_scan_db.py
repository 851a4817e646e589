"""Benchmark: the scan service end to end (database reads, engine, rows stored, bus publishes).

Run: ``.venv/bin/python bench/ta_scan_db.py [--database-url URL]``

Sets up a throwaway SQLite database in a temporary VAR_DIR (or uses ``--database-url``,
which must name an EMPTY database: migrations are applied to it), stores the newest 500
candles of 5m/1h/4h of every symbol from the shared klines, then times
``analysis_scan()`` over all enabled symbols (29) a few times. Target: well inside the
30 s cadence of the 5m fetch. Redis is whatever REDIS_URL names (default DB 14 here);
publishing to it is part of what is timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an EMPTY database to use instead of a temporary SQLite one")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="ta-scan-db-")
    os.environ["VAR_DIR"] = var_dir
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ["TA_CHAIN_AFTER_FETCH"] = "false"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ta.selectors import symbols_enabled
    from ta.services.analysis import analysis_scan
    from ta.tests.analysis_data import candles_store

    klines = Path(settings.KLINES_DIR)
    symbols = symbols_enabled()
    started = time.perf_counter()
    for symbol in symbols:
        candles_store(klines, symbol, end=None)  # each file's newest 500 (5 coins are 2025 data)
    stored_s = time.perf_counter() - started
    from ta.engine.warmup import engine_warm

    engine_warm()  # as a worker does on start (this VAR_DIR's numba cache is new, so it compiles)
    first = analysis_scan()
    times = [analysis_scan().duration_s for _ in range(args.repeat)]
    sys.stdout.write(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; {len(symbols)} symbols x 3 "
        f"timeframes x 500 candles stored in {stored_s:.1f} s\n"
        f"first scan after warm-up {first.duration_s:.2f} s ({len(first.analysed)} analysed, {len(first.insufficient)} "
        f"insufficient, {len(first.errors)} errors); median of {args.repeat} scans {statistics.median(times):.2f} s"
        " (target: well inside 30 s)\n"
    )


if __name__ == "__main__":
    main()
