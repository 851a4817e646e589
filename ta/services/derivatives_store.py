"""Writes of the derivatives series (``DerivativesPoint``): merged upserts, the funding fill, the CVD.

Every source kind fills only its own columns of a row (the open interest and the ratios of the
same symbol, period and time share one row). The taker volumes come first from the stored
candles' taker-buy fields (the full candle history: buy = taker buy quote volume, sell = quote
volume - taker buy), else from Binance's ``takerlongshortRatio`` (base volumes x the period's
close); the candle values always win. The CVD is recomputed from the oldest changed row on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ta.models import Candle, DerivativesPoint
from ta.sources.derivatives import KIND_COLUMNS, TAKER_BASE_KEYS, DerivativesKind, DerivativesRow

UPSERT_BATCH = 1000
STORED_PLACES = Decimal(1).scaleb(-12)  # the columns' decimal places: values compare equal once stored
_TAKER_COLUMNS = KIND_COLUMNS[DerivativesKind.TAKER_VOLUME]


def derivatives_upsert(
    *, symbol_id: int, period: str, columns: Sequence[str], rows: Sequence[DerivativesRow], source: str
) -> list[datetime]:
    """Insert or update ``columns`` of the rows at each row's time; other columns are untouched.

    Idempotent. Returns the times written (new rows, or rows with a value that differed), oldest first.
    """
    if not rows:
        return []
    times = [row.time for row in rows]
    stored = {
        values[0]: values[1:]
        for values in DerivativesPoint.objects.filter(
            symbol_id=symbol_id, period=period, time__gte=min(times), time__lte=max(times)
        ).values_list("time", *columns)
    }
    now = timezone.now()
    changed = [
        DerivativesPoint(symbol_id=symbol_id, period=period, time=row.time, source=source, updated_at=now,
                         **{column: row.values[column] for column in columns})
        for row in rows
        if stored.get(row.time) != tuple(row.values[column] for column in columns)
    ]
    DerivativesPoint.objects.bulk_create(
        changed, batch_size=UPSERT_BATCH, update_conflicts=True, unique_fields=["symbol", "period", "time"],
        update_fields=[*columns, "source", "updated_at"],
    )
    return sorted(point.time for point in changed)


def taker_rows_from_candles(
    *, symbol_id: int, period: str, since: datetime | None, source: str
) -> datetime | None:
    """Copy the candles' taker volumes (USDT) of ``period`` from ``since`` on (None: all) into the
    series; returns the oldest time that changed (the CVD's restart), None when nothing did."""
    candles = Candle.objects.filter(
        symbol_id=symbol_id, timeframe=period, quote_volume__isnull=False, taker_buy_quote_volume__isnull=False
    )
    if since is not None:
        candles = candles.filter(open_time__gte=since)
    rows = [
        DerivativesRow(open_time, {"taker_buy_volume": buy, "taker_sell_volume": quote - buy})
        for open_time, quote, buy in candles.order_by("open_time").values_list(
            "open_time", "quote_volume", "taker_buy_quote_volume"
        ).iterator(chunk_size=5000)
    ]
    return _taker_write(symbol_id=symbol_id, period=period, rows=rows, source=source)


def taker_rows_from_source(
    *, symbol_id: int, period: str, rows: Sequence[DerivativesRow], source: str
) -> datetime | None:
    """Store a source's taker rows where the series has no taker volumes yet (the candles' win).

    Rows in base volumes (``TAKER_BASE_KEYS``) are converted to USDT with the close of the
    period's candle, else with the open interest's price (value / contracts) of the same row;
    a row with neither is skipped. Returns the oldest time that changed.
    """
    if not rows:
        return None
    start, end = rows[0].time, rows[-1].time
    closes = dict(
        Candle.objects.filter(symbol_id=symbol_id, timeframe=period, open_time__gte=start, open_time__lte=end)
        .values_list("open_time", "close")
    )
    stored = {
        time: (oi, oi_value, buy)
        for time, oi, oi_value, buy in DerivativesPoint.objects.filter(
            symbol_id=symbol_id, period=period, time__gte=start, time__lte=end
        ).values_list("time", "open_interest", "open_interest_value", "taker_buy_volume")
    }
    quoted = []
    for row in rows:
        oi, oi_value, buy = stored.get(row.time, (None, None, None))
        if buy is not None:
            continue
        if "taker_buy_volume" in row.values:
            quoted.append(row)
            continue
        price = closes.get(row.time) or (oi_value / oi if oi and oi_value else None)
        if price is None:
            continue
        buy_base, sell_base = (row.values[key] for key in TAKER_BASE_KEYS)
        quoted.append(DerivativesRow(row.time, {"taker_buy_volume": (buy_base * price).quantize(STORED_PLACES),
                                                "taker_sell_volume": (sell_base * price).quantize(STORED_PLACES)}))
    return _taker_write(symbol_id=symbol_id, period=period, rows=quoted, source=source)


def _taker_write(*, symbol_id: int, period: str, rows: list[DerivativesRow], source: str) -> datetime | None:
    written = derivatives_upsert(symbol_id=symbol_id, period=period, columns=_TAKER_COLUMNS, rows=rows, source=source)
    return written[0] if written else None


def cvd_recompute(*, symbol_id: int, period: str, since: datetime) -> int:
    """Rewrite the CVD of the series from ``since`` on: the previous row's CVD (0 at the series'
    first row with taker volumes) plus the running sum of buy - sell. Returns rows updated.

    One statement (a window function), on PostgreSQL and SQLite alike.
    """
    base = (
        DerivativesPoint.objects.filter(symbol_id=symbol_id, period=period, time__lt=since, cvd__isnull=False)
        .order_by("-time").values_list("cvd", flat=True).first()
    ) or Decimal(0)
    table = connection.ops.quote_name(DerivativesPoint._meta.db_table)
    sql = (
        f"UPDATE {table} SET cvd = s.cvd, updated_at = %s FROM ("  # noqa: S608 - the table name from the model; values are parameters
        f"SELECT id, CAST(%s AS NUMERIC) + SUM(taker_buy_volume - taker_sell_volume) OVER "
        f"(ORDER BY time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cvd FROM {table} "
        f"WHERE symbol_id = %s AND period = %s AND time >= %s "
        f"AND taker_buy_volume IS NOT NULL AND taker_sell_volume IS NOT NULL) AS s "
        f"WHERE {table}.id = s.id AND ({table}.cvd IS NULL OR {table}.cvd <> s.cvd)"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(timezone.now()), str(base), symbol_id, period, adapt(since)])
        return cursor.rowcount


@transaction.atomic
def funding_spread(*, symbol_id: int, period: str, events: Sequence[DerivativesRow], source: str) -> int:
    """Store funding settlements and give every row from the first event on the rate last settled
    at or before its time (the funding rate in force). ``events`` oldest first. Returns rows updated.

    Each event is upserted at its time floored to the period (so a series with no other data for
    that time still holds it); the rows between two events are updated in one statement each.
    """
    if not events:
        return 0
    step = timedelta(minutes=5) if period == "5m" else timedelta(hours=1)
    epoch = datetime(1970, 1, 1, tzinfo=events[0].time.tzinfo)
    floored = [DerivativesRow(epoch + (event.time - epoch) // step * step, event.values) for event in events]
    derivatives_upsert(symbol_id=symbol_id, period=period, columns=("funding_rate",), rows=_last_per_time(floored),
                       source=source)
    series = DerivativesPoint.objects.filter(symbol_id=symbol_id, period=period)
    updated = 0
    for event, following in zip(floored, [*floored[1:], None], strict=True):
        rate = event.values["funding_rate"]
        span = series.filter(time__gte=event.time)
        if following is not None:
            span = span.filter(time__lt=following.time)
        updated += span.exclude(funding_rate=rate).update(funding_rate=rate, updated_at=timezone.now())
    return updated


def funding_carry_forward(*, symbol_id: int, period: str) -> int:
    """Give the rows newer than the series' newest funding value (created since the last funding
    read) that value: the rate in force until the next settlement is read. Returns rows updated."""
    series = DerivativesPoint.objects.filter(symbol_id=symbol_id, period=period)
    newest = series.filter(funding_rate__isnull=False).order_by("-time").values_list("time", "funding_rate").first()
    if newest is None:
        return 0
    return series.filter(time__gt=newest[0], funding_rate__isnull=True).update(funding_rate=newest[1],
                                                                                updated_at=timezone.now())


def _last_per_time(rows: list[DerivativesRow]) -> list[DerivativesRow]:
    """One row per time (the last): two settlements floored into one period keep the later one."""
    return list({row.time: row for row in rows}.values())
