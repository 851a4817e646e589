"""Idempotent bulk upsert of candles: one INSERT ... ON CONFLICT per chunk of rows.

Written as SQL (PostgreSQL and SQLite share the syntax) rather than with
``bulk_create(update_conflicts=True)`` because it must say which rows really changed
(``RETURNING`` only reports inserted or updated rows), so an unchanged refetch
publishes nothing, and because it runs at close to raw insert speed (bench/market_data.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction

from ta.models import Candle
from ta.sources.base import Bar

CHUNK_ROWS = 1000  # 9 parameters a row: far below SQLite's and PostgreSQL's limits
_COLUMNS = ("symbol_id", "timeframe", "open_time", "open", "high", "low", "close", "volume", "is_closed")
_VALUE_COLUMNS = ("open", "high", "low", "close", "volume", "is_closed")


def _upsert_sql(rows: int) -> str:
    quote = connection.ops.quote_name
    table = quote(Candle._meta.db_table)
    placeholders = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _VALUE_COLUMNS)
    differs = " OR ".join(f"{table}.{quote(c)} <> excluded.{quote(c)}" for c in _VALUE_COLUMNS)
    # A closed candle is never replaced by a forming one (a late or replayed partial
    # value); a forming one is replaced by anything newer, a closed one by a correction.
    # Only quoted identifiers from the model's metadata are interpolated; values are parameters.
    insert = f"INSERT INTO {table} ({', '.join(quote(c) for c in _COLUMNS)}) VALUES "  # noqa: S608
    conflict = f" ON CONFLICT ({quote('symbol_id')}, {quote('timeframe')}, {quote('open_time')})"
    guard = f" WHERE (NOT {table}.{quote('is_closed')} OR excluded.{quote('is_closed')}) AND ({differs})"
    return insert + ", ".join([placeholders] * rows) + conflict + f" DO UPDATE SET {updates}" + guard + " RETURNING 1"


def candles_upsert(*, symbol_id: int, timeframe: str, bars: Sequence[Bar]) -> int:
    """Insert new candles and replace changed ones of one series; returns how many changed.

    Idempotent: the same bars again change nothing and return 0. A forming candle
    (``is_closed=False``) is replaced when its final values arrive; a closed candle
    is never overwritten by a forming one. Atomic: all of ``bars`` or none.
    """
    if not bars:
        return 0
    ops = connection.ops
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for offset in range(0, len(bars), CHUNK_ROWS):
            chunk = bars[offset : offset + CHUNK_ROWS]
            params: list[object] = []
            for bar in chunk:
                params += (
                    symbol_id,
                    timeframe,
                    ops.adapt_datetimefield_value(bar.open_time),
                    bar.open,
                    bar.high,
                    bar.low,
                    bar.close,
                    bar.volume,
                    bar.is_closed,
                )
            cursor.execute(_upsert_sql(len(chunk)), params)
            changed += len(cursor.fetchall())
    return changed
