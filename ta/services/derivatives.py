"""Fetch the derivatives series (open interest, ratios, taker volume, funding) into ``DerivativesPoint``.

One run covers the enabled symbols (or the given ones) and the periods 5m and 1h. Per series:

1. the taker volumes of the stored candles (their taker-buy fields) are copied in, from the
   newest row that has them (all the candle history the first time, or with ``backfill``);
2. each kind of the source is planned from its newest stored row (the taker volume: from the
   first row of the window with open interest and no taker volumes, so the endpoint fills the
   30 days before the stored candles): nothing stored -> backfill
   from the oldest time the source serves (Binance: 30 days back, never older), else follow
   from the row after the newest, once that period has closed. Pages are windows of exactly
   ``kind_page_limit`` periods, so the answer never depends on how the endpoint trims a larger
   range; each page is stored as it arrives, so a run stopped by the budget resumes there;
3. the funding settlements (per symbol) are spread over both periods' rows;
4. the CVD is recomputed from the oldest row whose taker volumes changed.

A 429 stops the run and no worker asks before its Retry-After (stored, like the candle fetch);
a 418 ban is stored and alerted; a spent request budget stops the run quietly (the next
scheduled run continues). Failures never raise: they are in the report and the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis
from django.conf import settings
from django.db.models import Max, Min

from config.bus.client import redis_client
from config.bus.schema import FUNDING_READ_EVERY_S, key_funding_read
from config.logging import Category
from ta.models import DerivativesPoint, Symbol
from ta.services.derivatives_store import (
    cvd_recompute,
    derivatives_upsert,
    funding_carry_forward,
    funding_spread,
    taker_rows_from_candles,
    taker_rows_from_source,
)
from ta.services.fetch import feed_back_off, feed_ban_handle, feed_blocked_reason, feed_region_block_handle
from ta.sources.base import (
    EPOCH,
    SourceBannedError,
    SourceError,
    SourceRateLimitedError,
    SourceRegionBlockedError,
    floor_time,
)
from ta.sources.budget import BudgetExhaustedError
from ta.sources.derivatives import (
    KIND_COLUMNS,
    PERIOD_STEPS,
    PERIODS,
    TAKER_BASE_KEYS,
    DerivativesKind,
    DerivativesRow,
    DerivativesSource,
    derivatives_source_from_settings,
)

logger = logging.getLogger(__name__)

FUNDING_REREAD = timedelta(hours=24)  # funding is re-read from a day before its newest stored value
FUNDING_PERIOD = "1h"  # the series whose newest funding value plans the funding fetch
_PER_COIN_SCALED = ("open_interest", *TAKER_BASE_KEYS)  # per-contract quantities: x the symbol's divisor


@dataclass
class SeriesFetch:
    """What one series kind (symbol x period x kind) got in a run."""

    symbol: str
    period: str
    kind: str
    fetched: int = 0
    changed: int = 0
    error: str = ""


@dataclass
class DerivativesReport:
    """The result of a derivatives run."""

    source: str
    market_now: datetime
    series: list[SeriesFetch] = field(default_factory=list)
    stopped: str = ""  # why the run stopped early (disabled, ban, 429, budget), if it did
    absent: str = ""  # why the source has no derivatives at all (a CSV replay), if so

    @property
    def errors(self) -> list[str]:
        lines = [f"{s.symbol} {s.period} {s.kind}: {s.error}" for s in self.series if s.error]
        return lines + ([self.stopped] if self.stopped else [])

    def as_dict(self) -> dict[str, object]:
        """Plain JSON for a task result."""
        return {
            "source": self.source,
            "market_now": self.market_now.isoformat(),
            "rows_fetched": sum(s.fetched for s in self.series),
            "rows_changed": sum(s.changed for s in self.series),
            "absent": self.absent,
            "errors": self.errors,
        }


def derivatives_fetch(
    *,
    symbols: Sequence[str] | None = None,
    periods: Sequence[str] = PERIODS,
    source: DerivativesSource | None = None,
    wall_now: datetime | None = None,
    backfill: bool = False,
    on_page: Callable[[str, str, str, int], None] | None = None,
) -> DerivativesReport:
    """Fetch and store the derivatives series of the enabled symbols (or exactly ``symbols``).

    ``backfill`` re-copies the candles' taker volumes over their whole history (after their
    taker fields were backfilled) and recomputes the CVD from the start; the endpoint series
    always backfill what they lack within the source's window. ``on_page(symbol, period, kind,
    rows)`` is called after each page. Returns a ``DerivativesReport``; never raises for a
    source failure.
    """
    wall_now = wall_now or datetime.now(tz=UTC)
    own_source = source is None
    if source is None:
        try:
            source = derivatives_source_from_settings()
        except SourceError as error:
            return DerivativesReport(source=settings.MARKET_DATA_SOURCE, market_now=wall_now, stopped=str(error))
        if source is None:
            return DerivativesReport(source=settings.MARKET_DATA_SOURCE, market_now=wall_now,
                                     stopped="derivatives data disabled (DERIVATIVES_ENABLED=false)")
    try:
        return _Run(source, wall_now, backfill, on_page).run(symbols, periods)
    finally:
        if own_source and hasattr(source, "close"):
            source.close()


class _Run:
    def __init__(self, source: DerivativesSource, wall_now: datetime, backfill: bool,
                 on_page: Callable[[str, str, str, int], None] | None) -> None:
        self.source, self.wall_now, self.backfill, self.on_page = source, wall_now, backfill, on_page
        self.market_now = source.market_now(wall_now=wall_now)
        self.report = DerivativesReport(source=source.name, market_now=self.market_now)

    def run(self, symbols: Sequence[str] | None, periods: Sequence[str]) -> DerivativesReport:
        if not self.source.kinds:
            self.report.absent = f"{self.source.name} has no derivatives data (replay without a replay database)"
        blocked = feed_blocked_reason(self.source, self.wall_now)
        if blocked:
            self.report.stopped = blocked
            return self.report
        rows = Symbol.objects.order_by("display_order", "symbol")
        rows = rows.filter(symbol__in=symbols) if symbols is not None else rows.filter(enabled=True)
        for symbol in rows:
            try:
                self._symbol(symbol, periods)
            except SourceBannedError as error:
                self.report.stopped = feed_ban_handle(self.source, error)
            except SourceRegionBlockedError as error:
                self.report.stopped = feed_region_block_handle(self.source, error)
            except SourceRateLimitedError as error:
                self.report.stopped = feed_back_off(self.source, error, self.wall_now)
            except BudgetExhaustedError as error:
                self.report.stopped = str(error)
                logger.info("derivatives fetch paused: %s", error, extra={"category": Category.SCAN})
            if self.report.stopped:
                break
        return self.report

    def _symbol(self, symbol: Symbol, periods: Sequence[str]) -> None:
        cvd_since: dict[str, datetime] = {}

        def note(period: str, changed: datetime | None) -> None:
            if changed is not None:
                cvd_since[period] = min(changed, cvd_since.get(period, changed))

        try:
            for period in periods:
                newest_taker = None if self.backfill else self._newest(symbol, period, "taker")
                note(period, taker_rows_from_candles(symbol_id=symbol.pk, period=period, source=self.source.name,
                                                     since=newest_taker))
                for kind in self.source.kinds:
                    if kind is not DerivativesKind.FUNDING:
                        note(period, self._series(symbol, period, kind))
            if DerivativesKind.FUNDING in self.source.kinds and self._funding_due(symbol):
                self._funding(symbol, periods)
        finally:  # also when the run stops here (budget, 429): what was stored gets its CVD and funding
            for period in periods:
                funding_carry_forward(symbol_id=symbol.pk, period=period)
                since = EPOCH if self.backfill else cvd_since.get(period)
                if since is not None:
                    cvd_recompute(symbol_id=symbol.pk, period=period, since=since)

    def _newest(self, symbol: Symbol, period: str, kind: str) -> datetime | None:
        column = "taker_buy_volume" if kind == "taker" else KIND_COLUMNS[DerivativesKind(kind)][0]
        return DerivativesPoint.objects.filter(
            symbol_id=symbol.pk, period=period, **{f"{column}__isnull": False}
        ).aggregate(newest=Max("time"))["newest"]

    def _oldest_allowed(self, step: timedelta) -> datetime:
        """The oldest time asked for: the source's window (plus a period of margin for clock skew),
        or ``DERIVATIVES_BACKFILL_DAYS`` for a source without one."""
        history = self.source.history or timedelta(days=settings.DERIVATIVES_BACKFILL_DAYS)
        return floor_time(self.market_now - history, step) + 2 * step

    def _series(self, symbol: Symbol, period: str, kind: DerivativesKind) -> datetime | None:
        """Fetch one kind of one series page by page; the oldest time whose taker volumes changed."""
        outcome = SeriesFetch(symbol.symbol, period, kind.value)
        self.report.series.append(outcome)
        step = PERIOD_STEPS[period]
        newest = self._newest(symbol, period, kind.value)
        start = self._oldest_allowed(step) if newest is None else max(newest + step, self._oldest_allowed(step))
        stop = self.market_now
        gap = self._taker_gap(symbol, period, step) if kind is DerivativesKind.TAKER_VOLUME else None
        if gap is not None:
            start, stop = gap
        limit = self.source.kind_page_limit(kind)
        oldest_changed = None
        try:
            while start <= stop and start + step <= self.market_now:  # a period is asked for once it has closed
                end = min(start + (limit - 1) * step, stop, self.market_now)
                page = self.source.points_fetch(kind=kind, symbol=symbol.data_symbol, period=period, start=start,
                                                end=end)
                page = _per_coin(page, symbol.source_price_divisor)
                outcome.fetched += len(page)
                changed = self._store(symbol, period, kind, page)
                outcome.changed += changed[1]
                if changed[0] is not None and oldest_changed is None:
                    oldest_changed = changed[0]
                if self.on_page:
                    self.on_page(symbol.symbol, period, kind.value, len(page))
                start = end + step
        except (SourceBannedError, SourceRegionBlockedError, SourceRateLimitedError, BudgetExhaustedError):
            raise
        except SourceError as error:
            outcome.error = str(error)
            logger.warning("derivatives %s %s %s from %s failed: %s", symbol.symbol, period, kind.value,
                           self.source.name, error, extra={"category": Category.SCAN})
        return oldest_changed

    def _taker_gap(self, symbol: Symbol, period: str, step: timedelta) -> tuple[datetime, datetime] | None:
        """The first stretch of the window whose rows have open interest but no taker volumes (older
        than the stored candles: the endpoint's taker volume fills it), as (first, last) time; None
        when there is none. Bounded by the next row that has them, so a hole the endpoint cannot fill
        costs one page per run, not the whole window."""
        series = DerivativesPoint.objects.filter(symbol_id=symbol.pk, period=period)
        first = series.filter(time__gte=self._oldest_allowed(step), open_interest__isnull=False,
                              taker_buy_volume__isnull=True).aggregate(first=Min("time"))["first"]
        if first is None:
            return None
        after = series.filter(time__gt=first, taker_buy_volume__isnull=False).aggregate(after=Min("time"))["after"]
        return first, (self.market_now if after is None else after - step)

    def _store(self, symbol: Symbol, period: str, kind: DerivativesKind,
               page: list[DerivativesRow]) -> tuple[datetime | None, int]:
        """(oldest time with changed taker volumes, rows written)."""
        if kind is DerivativesKind.TAKER_VOLUME:
            changed = taker_rows_from_source(symbol_id=symbol.pk, period=period, rows=page, source=self.source.name)
            return changed, int(changed is not None)
        written = derivatives_upsert(symbol_id=symbol.pk, period=period, columns=KIND_COLUMNS[kind], rows=page,
                                     source=self.source.name)
        return None, len(written)

    def _funding_due(self, symbol: Symbol) -> bool:
        """Funding settles hours apart: read it once an hour per symbol (every process agrees through
        Redis; without Redis, every run reads it, one request per symbol)."""
        if self.backfill or self._newest(symbol, FUNDING_PERIOD, DerivativesKind.FUNDING.value) is None:
            return True
        try:
            return bool(redis_client().set(key_funding_read(self.source.name, symbol.symbol), "1",
                                           ex=FUNDING_READ_EVERY_S, nx=True))
        except redis.RedisError:
            return True

    def _funding(self, symbol: Symbol, periods: Sequence[str]) -> None:
        outcome = SeriesFetch(symbol.symbol, "-", DerivativesKind.FUNDING.value)
        self.report.series.append(outcome)
        step = PERIOD_STEPS[FUNDING_PERIOD]
        newest = self._newest(symbol, FUNDING_PERIOD, DerivativesKind.FUNDING.value)
        oldest = self._oldest_allowed(step)
        start = oldest if newest is None else max(oldest, newest - FUNDING_REREAD)
        events: list[DerivativesRow] = []
        limit = self.source.kind_page_limit(DerivativesKind.FUNDING)
        try:
            while start <= self.market_now:
                page = self.source.points_fetch(kind=DerivativesKind.FUNDING, symbol=symbol.data_symbol,
                                                period=FUNDING_PERIOD, start=start, end=self.market_now)
                events += page
                if self.on_page:
                    self.on_page(symbol.symbol, "-", DerivativesKind.FUNDING.value, len(page))
                if len(page) < limit:
                    break
                start = page[-1].time + timedelta(milliseconds=1)
        except (SourceBannedError, SourceRegionBlockedError, SourceRateLimitedError, BudgetExhaustedError):
            raise
        except SourceError as error:
            outcome.error = str(error)
            logger.warning("derivatives %s funding from %s failed: %s", symbol.symbol, self.source.name, error,
                           extra={"category": Category.SCAN})
            return
        outcome.fetched = len(events)
        for period in periods:
            outcome.changed += funding_spread(symbol_id=symbol.pk, period=period, events=events,
                                              source=self.source.name)


def _per_coin(rows: list[DerivativesRow], divisor: Decimal) -> list[DerivativesRow]:
    """Contract quantities times the symbol's ``source_price_divisor`` (a 1000PEPEUSDT data symbol)."""
    if divisor == 1:
        return rows
    return [DerivativesRow(row.time, {k: v * divisor if k in _PER_COIN_SCALED else v for k, v in row.values.items()})
            for row in rows]
