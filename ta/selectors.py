"""Selectors (reads) of market data: what the TA engine, the trader and the dashboard consume.

Everything here reads the database; nothing calls a market-data source (the fetcher is
the only code that talks to Binance, seed platform-v3).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import connections
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from ta.models import Candle, DerivativesPoint, MarketFeedState, Symbol
from ta.sources.base import to_millis

FRAME_COLUMNS = ["open", "high", "low", "close", "volume"]


def symbols_enabled() -> list[str]:
    """Exchange symbols of the enabled coins, in display order (e.g. ["BTCUSDT", "ETHUSDT", ...])."""
    enabled = Symbol.objects.filter(enabled=True).order_by("display_order", "symbol")
    return list(enabled.values_list("symbol", flat=True))


def _series(symbol: str, timeframe: str):
    return Candle.objects.filter(symbol__symbol=symbol, timeframe=timeframe)


def candles_frame(*, symbol: str, timeframe: str, limit: int) -> pd.DataFrame:
    """The newest ``limit`` candles as floats (open, high, low, close, volume), oldest first.

    Indexed by ``open_time`` (aware UTC, ascending); the still-forming candle, when
    stored, is the last row. An empty frame with those columns when there are none.
    """
    rows = list(
        _series(symbol, timeframe)
        .order_by("-open_time")
        .values_list("open_time", "open", "high", "low", "close", "volume")[:limit]
    )
    rows.reverse()
    index = pd.DatetimeIndex([row[0] for row in rows], name="open_time")
    if index.tz is None:
        index = index.tz_localize("UTC")
    else:
        index = index.tz_convert("UTC")
    values = [[float(value) for value in row[1:]] for row in rows]
    return pd.DataFrame(values, index=index, columns=FRAME_COLUMNS, dtype="float64")


def price_latest(*, symbol: str) -> Decimal | None:
    """Close of the newest 5m candle of ``symbol`` (forming or not); None when there is none."""
    close = _series(symbol, "5m").order_by("-open_time").values_list("close", flat=True).first()
    return None if close is None else decimal_plain(close)


def prices_latest(*, symbols: list[str]) -> dict[str, Decimal]:
    """``price_latest`` of several symbols in one query; a symbol without a candle is absent.

    Plain SQL (portable: SQLite and PostgreSQL): the paper exchange asks on every account
    read, and the ORM spent about 1 ms of CPU building this correlated subquery each time.
    """
    if not symbols:
        return {}
    candle, symbol_table = Candle._meta.db_table, Symbol._meta.db_table
    placeholders = ", ".join(["%s"] * len(symbols))
    sql = (
        f"SELECT s.symbol, c.close FROM {candle} c JOIN {symbol_table} s ON s.id = c.symbol_id "  # noqa: S608 - table names from the models, values as parameters
        f"WHERE s.symbol IN ({placeholders}) AND c.timeframe = %s AND c.open_time = "
        f"(SELECT MAX(n.open_time) FROM {candle} n WHERE n.symbol_id = c.symbol_id AND n.timeframe = %s)"
    )
    with connections[Candle.objects.db].cursor() as cursor:
        cursor.execute(sql, [*symbols, "5m", "5m"])
        rows = cursor.fetchall()
    return {symbol: decimal_plain(Decimal(str(close))) for symbol, close in rows}  # SQLite answers floats


def market_data_last_fetch_at() -> datetime | None:
    """When any market-data source last completed a fetch; None before the first one."""
    return MarketFeedState.objects.aggregate(last=Max("last_fetch_at"))["last"]


def decimal_plain(value: Decimal) -> Decimal:
    """``value`` without the storage's trailing zeros (105077.360000000000 -> 105077.36)."""
    normalized = value.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized


def candle_payload(
    *, symbol: str, timeframe: str, open_time: datetime, values: tuple, is_closed: bool
) -> dict[str, Any]:
    """The JSON shape of one candle on the bus (decimal strings keep prices exact)."""
    open_, high, low, close, volume = (format(decimal_plain(value), "f") for value in values)
    return {
        "symbol": symbol,
        "timeframe": timeframe,
        "open_time": open_time.isoformat().replace("+00:00", "Z"),
        "open_time_ms": to_millis(open_time),
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "volume": volume,
        "is_closed": is_closed,
    }


def candles_payload(*, symbol: str, timeframe: str, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` candles of a series as bus JSON, oldest first (empty when none)."""
    rows = list(
        _series(symbol, timeframe)
        .order_by("-open_time")
        .values_list("open_time", "open", "high", "low", "close", "volume", "is_closed")[:limit]
    )
    rows.reverse()
    return [
        candle_payload(symbol=symbol, timeframe=timeframe, open_time=row[0], values=row[1:6], is_closed=row[6])
        for row in rows
    ]


def series_coverage(*, symbol_id: int, timeframe: str, since: datetime) -> tuple[int, datetime | None, datetime | None]:
    """(count, first, last) open times of a series from ``since`` on, for gap detection."""
    stats = Candle.objects.filter(symbol_id=symbol_id, timeframe=timeframe, open_time__gte=since).aggregate(
        count=Count("id"), first=Min("open_time"), last=Max("open_time")
    )
    return stats["count"], stats["first"], stats["last"]


def series_open_times(*, symbol_id: int, timeframe: str, since: datetime) -> list[datetime]:
    """Open times of a series from ``since`` on, ascending."""
    return list(
        Candle.objects.filter(symbol_id=symbol_id, timeframe=timeframe, open_time__gte=since)
        .order_by("open_time")
        .values_list("open_time", flat=True)
    )


def series_newest_open_time(*, symbol_id: int, timeframe: str) -> datetime | None:
    """Open time of the newest stored candle of a series, or None."""
    return (
        Candle.objects.filter(symbol_id=symbol_id, timeframe=timeframe)
        .order_by("-open_time")
        .values_list("open_time", flat=True)
        .first()
    )


# The derivatives series /health and the page header report, with the column that says a row
# holds each, and how old its newest row may be before it is stale (a period closes, the next
# 5-minute run reads it; the margin covers a run paused by the request budget).
DERIVATIVES_FRESHNESS_SERIES = {
    "open_interest": "open_interest",
    "long_short_ratios": "global_long_short_ratio",
    "cvd": "cvd",
    "funding_rate": "funding_rate",
}
DERIVATIVES_STALE_AFTER = {"5m": timedelta(minutes=30), "1h": timedelta(hours=3)}
DERIVATIVES_FRESHNESS_LOOKBACK = timedelta(days=2)  # rows older than this count as none: the query stays bounded


def derivatives_freshness(*, now: datetime | None = None) -> dict[str, Any]:
    """How fresh each derivatives series is, from the newest rows of the last enabled coin.

    The fetcher walks the coins in display order, so the last one is the one a run reaches last
    (a run stopped by the request budget leaves it the stalest): its series stand for all. One
    query, a range of the series' unique index (symbol, period, time) bounded to the last
    ``DERIVATIVES_FRESHNESS_LOOKBACK``. Returns ``{"enabled", "expected", "symbol", "stale",
    "series": [{"name", "period", "newest", "age_s", "stale"}]}``; ``expected`` is False when
    the flag is off or the source has none (a CSV replay), and then nothing is stale.
    """
    now = now or timezone.now()
    enabled = bool(settings.DERIVATIVES_ENABLED)
    expected = enabled and (settings.MARKET_DATA_SOURCE != "replay" or "replay" in settings.DATABASES)
    last_symbol = Symbol.objects.filter(enabled=True).order_by("-display_order", "-symbol")
    newest = (
        DerivativesPoint.objects.filter(
            symbol_id=Subquery(last_symbol.values("id")[:1]), period__in=list(DERIVATIVES_STALE_AFTER),
            time__gte=now - DERIVATIVES_FRESHNESS_LOOKBACK,
        )
        .values("period")
        .annotate(
            symbol=Subquery(last_symbol.filter(pk=OuterRef("symbol_id")).values("symbol")[:1]),
            **{name: Max("time", filter=Q(**{f"{column}__isnull": False}))
               for name, column in DERIVATIVES_FRESHNESS_SERIES.items()},
        )
    )
    by_period = {row["period"]: row for row in newest}
    series = []
    for period, stale_after in DERIVATIVES_STALE_AFTER.items():
        for name in DERIVATIVES_FRESHNESS_SERIES:
            moment = by_period.get(period, {}).get(name)
            age_s = None if moment is None else int((now - moment).total_seconds())
            stale = expected and (moment is None or now - moment > stale_after)
            series.append({"name": name, "period": period, "newest": moment.isoformat() if moment else None,
                           "age_s": age_s, "stale": stale})
    symbol = next((row["symbol"] for row in by_period.values()), None)
    return {"enabled": enabled, "expected": expected, "symbol": symbol,
            "stale": any(item["stale"] for item in series), "series": series}
