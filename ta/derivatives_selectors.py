"""Selectors (reads) of the stored derivatives series (``DerivativesPoint``): what the API, the
dashboard, the structure and scanner factors and the backtester read.

Point in time: every read that takes ``as_of`` returns only rows with ``time <= as_of``, so a
backtest step or a past evaluation never sees a later row. Nothing here calls a source.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db.models import Case, DateTimeField, ExpressionWrapper, OuterRef, QuerySet, Subquery, Value, When

from ta.engine.derivatives import (
    SERIES_COLUMNS,
    DerivativesInput,
    DerivativesSeries,
    derivatives_series_from_frame,
)
from ta.models import DerivativesPoint, Symbol
from ta.models.derivatives import DerivativesPeriod
from ta.selectors import decimal_plain

PERIODS = tuple(DerivativesPeriod.values)
DEFAULT_LATEST_PERIOD = "5m"
SERIES_FIELDS = (
    "open_interest", "open_interest_value", "taker_buy_volume", "taker_sell_volume", "cvd",
    "global_long_short_ratio", "top_long_short_account_ratio", "top_long_short_position_ratio", "funding_rate",
)
# The values the scan items, the signal body and the scanner card carry (the newest non-empty of each).
LATEST_FIELDS = ("open_interest", "open_interest_value", "cvd", "global_long_short_ratio",
                 "top_long_short_account_ratio", "top_long_short_position_ratio", "funding_rate")
CHANGE_WINDOW = timedelta(hours=24)
# The latest values are searched for among a symbol's newest rows (3 h of 5m rows, 36 h of 1h rows):
# older is not "latest" (None).
LATEST_ROWS = 36
FRAME_LIMIT = 5_000_000
FACTORS_WINDOW = timedelta(days=1)


def _period_check(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; one of {', '.join(PERIODS)}")


def derivatives_points(*, symbol: str, period: str, start: datetime | None = None,
                       end: datetime | None = None) -> QuerySet[DerivativesPoint]:
    """Rows of ``symbol`` and ``period`` with ``start <= time <= end`` (either open), oldest first
    (the API pages this). ValueError for an unknown period."""
    _period_check(period)
    rows = DerivativesPoint.objects.filter(symbol__symbol=symbol, period=period)
    if start is not None:
        rows = rows.filter(time__gte=start)
    if end is not None:
        rows = rows.filter(time__lte=end)
    return rows.order_by("time")


def derivatives_frame(*, symbol: str, period: str, as_of: datetime | None = None,
                      start: datetime | None = None, limit: int = FRAME_LIMIT,
                      columns: tuple[str, ...] = SERIES_COLUMNS) -> pd.DataFrame:
    """The newest ``limit`` rows with ``start <= time <= as_of`` (either open) as floats, oldest first.

    ``columns`` (default ``ta.engine.derivatives.SERIES_COLUMNS``, the factors' inputs; any of
    ``SERIES_FIELDS``) with NaN where a row has no value, aware-UTC index of row start times; an
    empty frame with those columns when there are none.
    """
    _period_check(period)
    unknown = set(columns) - set(SERIES_FIELDS)
    if unknown:
        raise ValueError(f"unknown series {sorted(unknown)}")
    rows = DerivativesPoint.objects.filter(symbol__symbol=symbol, period=period)
    if as_of is not None:
        rows = rows.filter(time__lte=as_of)
    if start is not None:
        rows = rows.filter(time__gte=start)
    values = list(rows.order_by("-time").values_list("time", *columns)[:limit])
    values.reverse()
    index = pd.DatetimeIndex([row[0] for row in values], name="time")
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    data = [[float("nan") if value is None else float(value) for value in row[1:]] for row in values]
    return pd.DataFrame(data, index=index, columns=list(columns), dtype="float64")


def derivatives_series(*, symbol: str, period: str, as_of: datetime | None = None,
                       start: datetime | None = None) -> DerivativesSeries:
    """``derivatives_frame`` as the engine's ``DerivativesSeries`` (the factors' input)."""
    return derivatives_series_from_frame(derivatives_frame(symbol=symbol, period=period, as_of=as_of, start=start),
                                         period=period)


def derivatives_period_for(timeframe: str) -> str:
    """The derivatives period the confluence of a ``timeframe`` series reads: 5m for 5m, else 1h."""
    return "5m" if timeframe == "5m" else "1h"


def derivatives_input(*, symbol: str, period: str, as_of: datetime) -> DerivativesInput:
    """What the factors read at ``as_of``: the rows of the day up to it (the 12-period lookback and
    the staleness limit fit in it) and ``as_of`` in ns."""
    series = derivatives_series(symbol=symbol, period=period, as_of=as_of, start=as_of - FACTORS_WINDOW)
    return DerivativesInput(series=series, at_ns=int(as_of.timestamp()) * 1_000_000_000 + as_of.microsecond * 1000)


def _newest(period: str, as_of: datetime | None, field: str) -> Subquery:
    """The newest non-empty ``field`` of the outer symbol's recent rows (at or before ``as_of``)."""
    return Subquery(_newest_non_empty(_recent(period, as_of), field).values(field)[:1])


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(decimal_plain(Decimal(value)))


def derivatives_latest(*, symbols: list[str] | None = None, period: str = DEFAULT_LATEST_PERIOD,
                       as_of: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per symbol (default: every enabled one) that has rows: the newest non-empty value of each
    ``LATEST_FIELDS`` series at or before ``as_of`` (default: no bound), as decimal strings, with

    - ``time``: the newest row's start (ISO UTC), ``period``;
    - ``open_interest_change_24h_pct``: the open interest value (USDT) against that of the newest row
      at least 24 h before ``time``, in % (2 decimals); None without one (or without its value).

    Values are looked for among the symbol's newest ``LATEST_ROWS`` (36) rows only.
    One query for all symbols (a correlated subquery per value, each a short range of the unique
    (symbol, period, time) index). Symbols without a row are left out. ValueError for an unknown period.
    """
    _period_check(period)
    queryset = Symbol.objects.filter(symbol__in=symbols) if symbols is not None else Symbol.objects.filter(
        enabled=True)
    return {row.symbol: body for row, body in _latest_rows(queryset, period=period, as_of=as_of)}


def _latest_rows(queryset: QuerySet[Symbol], *, period: str,
                 as_of: datetime | None) -> list[tuple[Symbol, dict[str, Any]]]:
    """``queryset``'s symbols that have rows, each with its latest values (``derivatives_latest``)."""
    newest_time = _rows(period, as_of).order_by("-time").values("time")[:1]
    queryset = queryset.annotate(d_time=Subquery(newest_time))
    annotations: dict[str, Any] = {f"d_{field}": _newest(period, as_of, field) for field in LATEST_FIELDS}
    queryset = queryset.annotate(**annotations)
    # The open interest a day before: that of the newest row at or before the newest row's time - 24 h.
    day_before = _rows(period, as_of).filter(time__lte=_window_start("d_time", CHANGE_WINDOW))
    queryset = queryset.annotate(d_oi_before=Subquery(
        day_before.order_by("-time").values("open_interest_value")[:1]))
    latest: list[tuple[Symbol, dict[str, Any]]] = []
    for row in queryset.order_by("display_order", "symbol"):
        if row.d_time is None:
            continue
        body: dict[str, Any] = {"period": period, "time": _iso(row.d_time)}
        body.update({field: _text(getattr(row, f"d_{field}")) for field in LATEST_FIELDS})
        body["open_interest_change_24h_pct"] = _change_pct(row.d_open_interest_value, row.d_oi_before)
        latest.append((row, body))
    return latest


def _rows(period: str, as_of: datetime | None) -> QuerySet[DerivativesPoint]:
    rows = DerivativesPoint.objects.filter(symbol=OuterRef("pk"), period=period)
    return rows if as_of is None else rows.filter(time__lte=as_of)


def _window_start(reference: str, window: timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(OuterRef(reference) - window, output_field=DateTimeField())


def _recent(period: str, as_of: datetime | None) -> QuerySet[DerivativesPoint]:
    """The outer symbol's newest ``LATEST_ROWS`` rows (at or before ``as_of``). A value is looked for
    among these only: a series that stopped, or never existed (open interest where only the klines'
    CVD goes back years), is not searched for through the history. The newest-first LIMIT reads the
    (symbol, period, time) index backwards whatever the statistics say of the empty values."""
    newest = DerivativesPoint.objects.filter(symbol=OuterRef(OuterRef("pk")), period=period)
    if as_of is not None:
        newest = newest.filter(time__lte=as_of)
    return DerivativesPoint.objects.filter(pk__in=newest.order_by("-time").values("pk")[:LATEST_ROWS])


def _newest_non_empty(rows: QuerySet[DerivativesPoint], field: str) -> QuerySet[DerivativesPoint]:
    """``rows`` newest first with those holding ``field`` ahead. Ordering (not filtering) on the empty
    values keeps the planner's estimate on the time range, so it reads the (symbol, period, time)
    index even when a series is empty throughout (a filter's estimate of ~0 rows sent it to the
    symbol index and through every row of the symbol)."""
    return rows.order_by(Case(When(**{f"{field}__isnull": True}, then=Value(1)), default=Value(0)), "-time")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _change_pct(now: Decimal | None, before: Decimal | None) -> float | None:
    if now is None or before is None or Decimal(before) <= 0:
        return None
    return round(float((Decimal(now) - Decimal(before)) / Decimal(before) * 100), 2)


# Every symbol's latest values per period with the newest write they were computed after:
# (version, values). The per-request reads (/api/v1/scan, the scanner cards) re-compute them
# only when a row was written since; see derivatives_latest_cached.
_latest_every: dict[str, tuple[datetime | None, dict[str, dict[str, Any]]]] = {}
_latest_lock = threading.Lock()


def derivatives_latest_cached(*, period: str = DEFAULT_LATEST_PERIOD) -> dict[str, dict[str, Any]]:
    """``derivatives_latest`` of every symbol that has rows (not only the enabled ones: callers look
    their own symbols up), computed again only when the table was written since.

    The values' query costs about 130 ms on PostgreSQL with a month of 29 coins (most of it
    planning), too much for every ``/api/v1/scan`` request; the series change once per fetch (every
    5 minutes). The version is the newest ``updated_at`` (one probe of its index): every write sets
    it (``ta.services.derivatives_store``, the admin's saves). So: one cheap query while nothing
    changed, and the values are never older than the table. Kept per process, like
    ``config.row_cache``: nothing is shared in process memory but a copy validated on every read.
    The answer is shared by the process's callers: read it, never change it.
    """
    _period_check(period)
    with _latest_lock:
        cached = _latest_every.get(period)
    if cached is not None and _newest_write() == cached[0]:
        return cached[1]
    version, latest = _latest_with_version(period)
    with _latest_lock:
        _latest_every[period] = (version, latest)
    return latest


def _newest_write() -> datetime | None:
    return DerivativesPoint.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()


def _latest_with_version(period: str) -> tuple[datetime | None, dict[str, dict[str, Any]]]:
    """Every symbol's latest values and the newest write, read in one statement (one snapshot)."""
    symbols = Symbol.objects.annotate(d_version=Subquery(
        DerivativesPoint.objects.order_by("-updated_at").values("updated_at")[:1]))
    rows = _latest_rows(symbols, period=period, as_of=None)
    version = rows[0][0].d_version if rows else None
    return version, {row.symbol: body for row, body in rows}


def derivatives_latest_one(*, symbol: str, period: str = DEFAULT_LATEST_PERIOD,
                           as_of: datetime | None = None) -> dict[str, Any] | None:
    """``derivatives_latest`` of one symbol (enabled or not); None when it has no row."""
    return derivatives_latest(symbols=[symbol], period=period, as_of=as_of).get(symbol)


def derivatives_point_payload(row: DerivativesPoint) -> dict[str, Any]:
    """One row as the API's body: ``time`` ISO UTC, every series as a decimal string or null."""
    body: dict[str, Any] = {"time": _iso(row.time)}
    body.update({field: _text(getattr(row, field)) for field in SERIES_FIELDS})
    body["source"] = row.source
    return body

