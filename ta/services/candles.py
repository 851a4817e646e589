"""Idempotent bulk upsert of candles: one INSERT ... ON CONFLICT per chunk of rows.

Written as SQL (PostgreSQL and SQLite share the ON CONFLICT syntax) rather than with
``bulk_create(update_conflicts=True)`` because it must say which rows really changed
(``RETURNING`` only reports inserted or updated rows), so an unchanged refetch
publishes nothing, and because it must run near raw insert speed (bench/market_data.py).
On PostgreSQL the rows travel as eleven arrays expanded by ``unnest``: a statement with
11,000 placeholders costs more to bind client-side than to execute. The quote and taker-buy
quote volumes are optional (CSV files and the stream have none): a None never overwrites a
stored value, so a later REST fetch or a backfill can fill them in.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction

from ta.models import Candle
from ta.sources.base import Bar

CHUNK_ROWS = 1000  # 11 parameters a row: far below SQLite's and PostgreSQL's limits
_COLUMNS = ("symbol_id", "timeframe", "open_time", "open", "high", "low", "close", "volume", "is_closed",
            "quote_volume", "taker_buy_quote_volume")
_VALUE_COLUMNS = ("open", "high", "low", "close", "volume", "is_closed")
_OPTIONAL_COLUMNS = ("quote_volume", "taker_buy_quote_volume")  # None = unknown: keeps the stored value
_PG_ARRAY_TYPES = ("%s::bigint[]", "%s::varchar[]", "%s::timestamptz[]", *["%s::numeric[]"] * 5, "%s::boolean[]",
                   "%s::numeric[]", "%s::numeric[]")


def _conflict_sql() -> str:
    quote = connection.ops.quote_name
    table = quote(Candle._meta.db_table)
    updates = ", ".join(
        [f"{quote(c)} = excluded.{quote(c)}" for c in _VALUE_COLUMNS]
        + [f"{quote(c)} = COALESCE(excluded.{quote(c)}, {table}.{quote(c)})" for c in _OPTIONAL_COLUMNS]
    )
    differs = " OR ".join(
        [f"{table}.{quote(c)} <> excluded.{quote(c)}" for c in _VALUE_COLUMNS]
        + [_fills_or_corrects(table, quote(c)) for c in _OPTIONAL_COLUMNS]
    )
    # A closed candle is never replaced by a forming one (a late or replayed partial
    # value); a forming one is replaced by anything newer, a closed one by a correction.
    return (
        f" ON CONFLICT ({quote('symbol_id')}, {quote('timeframe')}, {quote('open_time')}) DO UPDATE SET {updates}"
        f" WHERE (NOT {table}.{quote('is_closed')} OR excluded.{quote('is_closed')}) AND ({differs}) RETURNING 1"
    )


def _fills_or_corrects(table: str, column: str) -> str:
    """SQL true when the new value of an optional column is known and the stored one is not, or differs."""
    stored, new = f"{table}.{column}", f"excluded.{column}"
    return f"({new} IS NOT NULL AND ({stored} IS NULL OR {stored} <> {new}))"


def _insert_sql() -> str:
    quote = connection.ops.quote_name
    # Only quoted identifiers from the model's metadata are interpolated; values are parameters.
    return f"INSERT INTO {quote(Candle._meta.db_table)} ({', '.join(quote(c) for c in _COLUMNS)}) "


def _upsert_values_sql(rows: int) -> str:
    placeholders = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    return _insert_sql() + "VALUES " + ", ".join([placeholders] * rows) + _conflict_sql()


def _upsert_unnest_sql() -> str:
    unnest = f"SELECT * FROM unnest({', '.join(_PG_ARRAY_TYPES)})"  # noqa: S608 - typed placeholders only
    return _insert_sql() + unnest + _conflict_sql()


def candles_upsert(*, symbol_id: int, timeframe: str, bars: Sequence[Bar]) -> int:
    """Insert new candles and replace changed ones of one series; returns how many changed.

    Idempotent: the same bars again change nothing and return 0. A forming candle
    (``is_closed=False``) is replaced when its final values arrive; a closed candle
    is never overwritten by a forming one. Atomic: all of ``bars`` or none.
    """
    if not bars:
        return 0
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for offset in range(0, len(bars), CHUNK_ROWS):
            chunk = bars[offset : offset + CHUNK_ROWS]
            if connection.vendor == "postgresql":
                cursor.execute(_upsert_unnest_sql(), _columns(symbol_id, timeframe, chunk))
            else:
                cursor.execute(_upsert_values_sql(len(chunk)), _flat_params(symbol_id, timeframe, chunk))
            changed += len(cursor.fetchall())
    return changed


def _columns(symbol_id: int, timeframe: str, bars: Sequence[Bar]) -> list[list[object]]:
    return [
        [symbol_id] * len(bars),
        [timeframe] * len(bars),
        [bar.open_time for bar in bars],
        [bar.open for bar in bars],
        [bar.high for bar in bars],
        [bar.low for bar in bars],
        [bar.close for bar in bars],
        [bar.volume for bar in bars],
        [bar.is_closed for bar in bars],
        [bar.quote_volume for bar in bars],
        [bar.taker_buy_quote_volume for bar in bars],
    ]


def _flat_params(symbol_id: int, timeframe: str, bars: Sequence[Bar]) -> list[object]:
    adapt_datetime = connection.ops.adapt_datetimefield_value
    params: list[object] = []
    for bar in bars:
        params += (symbol_id, timeframe, adapt_datetime(bar.open_time), bar.open, bar.high, bar.low, bar.close,
                   bar.volume, bar.is_closed, bar.quote_volume, bar.taker_buy_quote_volume)
    return params
