"""Replay: stored history fed through the live pipeline at a chosen speed.

The replay keeps a market clock, ``start + (wall time since the anchor) x speed``; a
fetch sees exactly the candles of the history that have closed by that clock, with
their real open times and values (nothing is re-timed or altered), so the dashboard
shows the historical day as it unfolds. The candles come from CSV files in the shared
klines format, or from another database holding ``ta_candle`` rows.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from config.logging import Category
from ta.sources.base import Bar, SourceConfigError
from ta.sources.csv_files import csv_candles_read, csv_path_find
from ta.timeframes import timeframe_duration

if TYPE_CHECKING:
    from ta.sources.derivatives import DerivativesKind, DerivativesRow

logger = logging.getLogger(__name__)

PAGE_LIMIT = 1000


class ReplayLoader(Protocol):
    """Where replayed candles come from."""

    def bars_between(self, *, symbol: str, timeframe: str, start: datetime, end: datetime, limit: int) -> list[Bar]:
        """Closed candles with ``start <= open_time <= end``, oldest first, at most ``limit``."""
        ...


@dataclass(frozen=True)
class _LoadedFile:
    bars: list[Bar]
    open_times: list[datetime]


@lru_cache(maxsize=128)
def _load_csv(path: Path, mtime_ns: int, symbol: str, timeframe: str) -> _LoadedFile:
    """A file's valid candles, cached per (path, modification time): files are immutable history."""
    result = csv_candles_read(path, symbol=symbol, timeframe=timeframe)
    if result.rejected:
        first = result.rejected[0]
        logger.warning(
            "replay: %s has %d invalid row(s), skipped (first: line %d, %s)",
            path.name, len(result.rejected), first.line, first.reason, extra={"category": Category.SCAN},
        )
    return _LoadedFile(result.bars, [bar.open_time for bar in result.bars])


class CsvReplayLoader:
    """Candles from ``<SYMBOL>-<tf>.csv[.gz]`` files in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def bars_between(self, *, symbol: str, timeframe: str, start: datetime, end: datetime, limit: int) -> list[Bar]:
        """See ``ReplayLoader``; ``SourceConfigError`` when the symbol has no file."""
        path = csv_path_find(self.directory, symbol=symbol, timeframe=timeframe)
        if path is None:
            raise SourceConfigError(f"replay: no {symbol}-{timeframe}.csv[.gz] in {self.directory}")
        loaded = _load_csv(path, path.stat().st_mtime_ns, symbol, timeframe)
        first = bisect.bisect_left(loaded.open_times, start)
        last = bisect.bisect_right(loaded.open_times, end)
        return loaded.bars[first : min(last, first + limit)]


class DatabaseReplayLoader:
    """Closed candles from the ``ta_candle`` table of another database alias (``using``)."""

    def __init__(self, using: str) -> None:
        self.using = using

    def bars_between(self, *, symbol: str, timeframe: str, start: datetime, end: datetime, limit: int) -> list[Bar]:
        """See ``ReplayLoader``."""
        from ta.models import Candle

        rows = (
            Candle.objects.using(self.using)
            .filter(symbol__symbol=symbol, timeframe=timeframe, is_closed=True)
            .filter(open_time__gte=start, open_time__lte=end)
            .order_by("open_time")
            .values_list("open_time", "open", "high", "low", "close", "volume", "quote_volume",
                         "taker_buy_quote_volume")[:limit]
        )
        return [Bar(*row[:6], is_closed=True, quote_volume=row[6], taker_buy_quote_volume=row[7]) for row in rows]


class ReplaySource:
    """A replay of ``loader``'s history from ``start``, ``speed`` times faster than the wall clock."""

    name = "replay"
    page_limit = PAGE_LIMIT

    def __init__(self, *, loader: ReplayLoader, start: datetime, speed: float, anchor_at: datetime) -> None:
        if speed <= 0:
            raise SourceConfigError("replay speed must be positive")
        self.loader = loader
        self.start = start
        self.speed = speed
        self.anchor_at = anchor_at

    def market_now(self, *, wall_now: datetime) -> datetime:
        """The replay clock at wall time ``wall_now``: ``start + (wall_now - anchor_at) x speed``."""
        return self.start + max(wall_now - self.anchor_at, timedelta(0)) * self.speed

    def bars_fetch(self, *, symbol: str, timeframe: str, start: datetime, end: datetime, now: datetime) -> list[Bar]:
        """Candles of the history with ``start <= open_time <= end`` that have closed by ``now`` (replay time)."""
        step = timeframe_duration(timeframe)
        last_closed_open = min(end, now - step)
        if last_closed_open < start:
            return []
        return self.loader.bars_between(
            symbol=symbol, timeframe=timeframe, start=start, end=last_closed_open, limit=self.page_limit
        )


class ReplayDerivativesSource:
    """Stored derivatives rows of the replay database (``using``), as they were at the replay clock.

    With no replay database (a CSV replay) it serves nothing (``kinds == ()``): the series are
    reported absent, never made up. Taker volumes are served in USDT as stored.
    """

    name = "replay"
    history = None

    def __init__(self, *, candles: ReplaySource, using: str | None) -> None:
        from ta.sources.derivatives import DerivativesKind

        self.candles = candles
        self.using = using
        self.kinds = tuple(DerivativesKind) if using else ()

    def market_now(self, *, wall_now: datetime) -> datetime:
        """The replay clock (the candles' one)."""
        return self.candles.market_now(wall_now=wall_now)

    def kind_page_limit(self, kind: DerivativesKind) -> int:
        return PAGE_LIMIT

    def points_fetch(
        self, *, kind: DerivativesKind, symbol: str, period: str, start: datetime, end: datetime
    ) -> list[DerivativesRow]:
        """Stored rows of ``kind`` with ``start <= time <= end`` (see ``DerivativesSource``)."""
        from ta.models import DerivativesPoint
        from ta.sources.derivatives import KIND_COLUMNS, DerivativesRow

        columns = KIND_COLUMNS[kind]
        rows = DerivativesPoint.objects.using(self.using).filter(
            symbol__symbol=symbol, period=period, time__gte=start, time__lte=end, **{f"{columns[0]}__isnull": False}
        )
        values = rows.order_by("time").values_list("time", *columns)[: self.kind_page_limit(kind)]
        return [DerivativesRow(row[0], dict(zip(columns, row[1:], strict=True))) for row in values]
