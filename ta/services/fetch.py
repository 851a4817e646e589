"""Fetch candles from the configured source into the database, then announce them.

One run covers the enabled symbols (read from the database each time, so a coin
enabled or disabled in the admin counts from the next run) and the given timeframes.
Per series (symbol x timeframe) it plans a range:

- nothing stored yet: backfill the last ``backfill`` candles;
- otherwise from the newest stored candle (it may have been forming) to now, however
  old it is, or from the first missing candle when the last ``backfill`` candles have
  a gap;

fetches it page by page, stores it with one idempotent upsert, and, when candles
changed, announces them on the bus. A failing series is reported and skipped; a rate
limit longer than a fetch may wait (429), a ban (418) or a regional block (451) stops
the run and is remembered in the database, so no worker asks again before it is lifted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from config.bus.push import push_event
from config.bus.schema import Event, Group
from config.logging import Category
from ta.models import Candle, Symbol
from ta.selectors import series_coverage, series_newest_open_time, series_open_times
from ta.services.candles import candles_upsert
from ta.services.feed_state import (
    feed_block_record,
    feed_fetch_record,
    feed_region_block_record,
    feed_sources_other,
    feed_state_get,
)
from ta.services.market_bus import candles_announce
from ta.signals import candles_updated
from ta.sources import source_from_settings
from ta.sources.base import (
    Bar,
    CandleSource,
    SourceBannedError,
    SourceError,
    SourceRateLimitedError,
    SourceRegionBlockedError,
    bar_rescaled,
)
from ta.timeframes import timeframe_duration

logger = logging.getLogger(__name__)

MAX_PAGES_PER_SERIES = 200  # a safety stop: 200 pages is 200k candles


@dataclass
class SeriesOutcome:
    """What one series (symbol x timeframe) got in a run."""

    symbol: str
    timeframe: str
    fetched: int = 0
    changed: int = 0
    error: str = ""


@dataclass
class FetchReport:
    """The result of a fetch run; ``symbols_changed`` drives the analysis chained after it."""

    source: str
    market_now: datetime
    series: list[SeriesOutcome] = field(default_factory=list)
    stopped: str = ""  # why the run stopped early (ban, regional block), if it did

    @property
    def symbols_changed(self) -> list[str]:
        """Symbols with at least one changed candle, in display order."""
        seen: dict[str, None] = {}
        for outcome in self.series:
            if outcome.changed:
                seen.setdefault(outcome.symbol)
        return list(seen)

    @property
    def errors(self) -> list[str]:
        """One line per failed series (and the stop reason, if any)."""
        lines = [f"{o.symbol} {o.timeframe}: {o.error}" for o in self.series if o.error]
        return lines + ([self.stopped] if self.stopped else [])

    def as_dict(self) -> dict[str, object]:
        """Plain JSON for a task result."""
        return {
            "source": self.source,
            "market_now": self.market_now.isoformat(),
            "symbols_changed": self.symbols_changed,
            "candles_fetched": sum(o.fetched for o in self.series),
            "candles_changed": sum(o.changed for o in self.series),
            "errors": self.errors,
        }


def market_fetch(
    *,
    timeframes: Sequence[str],
    symbols: Sequence[str] | None = None,
    source: CandleSource | None = None,
    backfill: int | None = None,
    wall_now: datetime | None = None,
    extend_history: bool = False,
    backfill_missing: Sequence[str] = (),
    on_page: Callable[[str, str, int], None] | None = None,
) -> FetchReport:
    """Fetch ``timeframes`` for the enabled symbols (or exactly ``symbols``) and store them.

    ``backfill`` candles are fetched for a series with none stored (default
    ``MARKET_DATA_BACKFILL_CANDLES``); with ``extend_history`` a series holding fewer
    than ``backfill`` recent candles is extended back to that many (an explicit
    ``fetch_candles --backfill``; the schedules never ask, so a coin listed recently is
    not re-requested every 30 s). ``backfill_missing`` timeframes are fetched too for a
    symbol that has none of their candles yet (so the 30 s 5m run backfills 1h and 4h on
    a fresh install instead of leaving the analysis without them for 5 minutes).
    ``on_page(symbol, timeframe, n)`` is called after each page (progress bars). Returns a ``FetchReport``; sends
    ``ta.signals.candles_updated`` when candles changed. Never raises for a source
    failure: failures are in the report and the log.
    """
    for timeframe in (*timeframes, *backfill_missing):
        timeframe_duration(timeframe)  # an unknown timeframe is a caller error: raise now
    own_source = source is None
    source = source or source_from_settings()
    try:
        return _run(
            source=source,
            timeframes=timeframes,
            symbols=symbols,
            backfill=backfill or settings.MARKET_DATA_BACKFILL_CANDLES,
            wall_now=wall_now or datetime.now(tz=UTC),
            extend_history=extend_history,
            backfill_missing=backfill_missing,
            on_page=on_page,
        )
    finally:
        if own_source and hasattr(source, "close"):
            source.close()  # the Binance client's connection pool


def _run(
    *,
    source: CandleSource,
    timeframes: Sequence[str],
    symbols: Sequence[str] | None,
    backfill: int,
    wall_now: datetime,
    extend_history: bool,
    backfill_missing: Sequence[str],
    on_page: Callable[[str, str, int], None] | None,
) -> FetchReport:
    market_now = source.market_now(wall_now=wall_now)
    report = FetchReport(source=source.name, market_now=market_now)

    blocked = feed_blocked_reason(source, wall_now) or _mixed_sources_reason(source)
    if blocked:
        report.stopped = blocked
        return report

    rows = Symbol.objects.order_by("display_order", "symbol")
    rows = rows.filter(symbol__in=symbols) if symbols is not None else rows.filter(enabled=True)
    completed_any = False
    for symbol in rows:
        changed_timeframes = []
        for timeframe in _symbol_timeframes(symbol, timeframes, backfill_missing):
            outcome = SeriesOutcome(symbol.symbol, timeframe)
            report.series.append(outcome)
            try:
                _series_fetch(symbol, timeframe, source, backfill, market_now, extend_history, outcome, on_page)
            except SourceBannedError as error:
                report.stopped = feed_ban_handle(source, error)
                break
            except SourceRegionBlockedError as error:
                report.stopped = feed_region_block_handle(source, error)
                break
            except SourceRateLimitedError as error:
                # Asking again before Retry-After is what earns a 418 ban: stop the run and
                # let no worker ask before then.
                report.stopped = feed_back_off(source, error, wall_now)
                break
            except SourceError as error:
                outcome.error = str(error)
                logger.warning("fetch %s %s from %s failed: %s", symbol.symbol, timeframe, source.name, error,
                               extra={"category": Category.SCAN})
                continue
            completed_any = True
            if outcome.changed:
                changed_timeframes.append(timeframe)
        for timeframe in changed_timeframes:
            candles_announce(symbol=symbol.symbol, timeframe=timeframe)
        if report.stopped:
            break

    if completed_any:
        feed_fetch_record(source=source.name, at=wall_now)
    if report.symbols_changed:
        changed = report.symbols_changed
        fetched = list(dict.fromkeys(outcome.timeframe for outcome in report.series if outcome.changed))
        transaction.on_commit(
            lambda: candles_updated.send(sender=market_fetch, symbols=changed, timeframes=fetched, source=report.source)
        )
    return report


def _symbol_timeframes(symbol: Symbol, timeframes: Sequence[str], backfill_missing: Sequence[str]) -> list[str]:
    """``timeframes``, plus those of ``backfill_missing`` in which ``symbol`` has no candle yet."""
    extra = [
        timeframe
        for timeframe in backfill_missing
        if timeframe not in timeframes and series_newest_open_time(symbol_id=symbol.pk, timeframe=timeframe) is None
    ]
    return [*timeframes, *extra]


def _series_fetch(
    symbol: Symbol,
    timeframe: str,
    source: CandleSource,
    backfill: int,
    market_now: datetime,
    extend_history: bool,
    outcome: SeriesOutcome,
    on_page: Callable[[str, str, int], None] | None,
) -> None:
    step = timeframe_duration(timeframe)
    start = _plan_start(symbol.pk, timeframe, step, backfill, market_now, extend_history)
    bars: list[Bar] = []
    for _ in range(MAX_PAGES_PER_SERIES):
        page = source.bars_fetch(symbol=symbol.data_symbol, timeframe=timeframe, start=start, end=market_now,
                                 now=market_now)
        bars += page
        if on_page:
            on_page(symbol.symbol, timeframe, len(page))
        if len(page) < source.page_limit:
            break
        start = page[-1].open_time + step
        if start > market_now:
            break
    if symbol.source_price_divisor != 1:
        bars = [bar_rescaled(bar, symbol.source_price_divisor) for bar in bars]
    outcome.fetched = len(bars)
    outcome.changed = candles_upsert(symbol_id=symbol.pk, timeframe=timeframe, bars=bars)


def _plan_start(
    symbol_id: int, timeframe: str, step: timedelta, backfill: int, market_now: datetime, extend_history: bool
) -> datetime:
    """Where this series' fetch starts: backfill, first gap in the window, or the newest stored candle."""
    current_open = market_now - (market_now - datetime(1970, 1, 1, tzinfo=UTC)) % step
    window_start = current_open - (backfill - 1) * step
    count, first, last = series_coverage(symbol_id=symbol_id, timeframe=timeframe, since=window_start)
    if last is None:
        newest = series_newest_open_time(symbol_id=symbol_id, timeframe=timeframe)
        # Nothing recent: backfill a new series; resume an old one from its newest candle,
        # so a platform that was stopped for a while gets the whole gap, not a hole.
        return window_start if newest is None else newest
    if extend_history and first > window_start:
        return window_start
    expected = (last - first) // step + 1
    if count < expected:
        previous = first
        for open_time in series_open_times(symbol_id=symbol_id, timeframe=timeframe, since=window_start):
            if open_time - previous > step:
                logger.info("gap in %s %s after %s; refilling", symbol_id, timeframe, previous.isoformat(),
                            extra={"category": Category.SCAN})
                return previous + step
            previous = open_time
    return last


def feed_blocked_reason(source: CandleSource, wall_now: datetime) -> str:
    """Why ``source`` must not be asked now (a stored ban or back-off, a regionally blocked host), or ""."""
    state = feed_state_get(source=source.name)
    if state.blocked_until and state.blocked_until > wall_now:
        return f"{source.name} blocked until {state.blocked_until.isoformat()}: {state.blocked_reason}"
    base_url = getattr(source, "base_url", None)
    if base_url and state.region_blocked_url == base_url:
        url_setting = getattr(source, "url_setting", "BINANCE_BASE_URL")
        return f"{source.name} regionally blocked at {base_url} (451); set {url_setting} to another host"
    return ""


def _mixed_sources_reason(source: CandleSource) -> str:
    others = feed_sources_other(source=source.name)
    if not others or not Candle.objects.exists():
        return ""
    return (
        f"the stored candles come from {', '.join(others)}, not {source.name}; mixing sources would corrupt "
        f"every indicator. Run `manage.py fetch_candles --source {source.name} --switch-source` to delete them "
        f"and start afresh from {source.name}, or use another database"
    )


def _alert(message: str) -> None:
    logger.critical(message, extra={"category": Category.SYSTEM})
    try:
        push_event(group=Group.SYSTEM, event=Event.ERROR, payload={"source": "market_data", "message": message})
    except Exception as error:  # noqa: BLE001 - the alert is logged above; the push is a courtesy
        logger.warning("alert not pushed to the dashboard: %s", error, extra={"category": Category.SYSTEM})


def feed_ban_handle(source: CandleSource, error: SourceBannedError) -> str:
    """Store a 418 ban of ``source`` (alerting once per new ban); the run's stop reason."""
    message = f"{error}; market-data fetching stopped until {error.until.isoformat()}"
    if feed_block_record(source=source.name, until=error.until, reason=str(error)):
        _alert(message)
    return message


def feed_back_off(source: CandleSource, error: SourceRateLimitedError, wall_now: datetime) -> str:
    """Store a 429's Retry-After as a block of ``source``, so no worker asks before it; the stop reason."""
    until = wall_now + timedelta(seconds=error.retry_after_s)
    message = f"{error}; no request before {until.isoformat()}"
    feed_block_record(source=source.name, until=until, reason=str(error))
    logger.warning(message, extra={"category": Category.SCAN})
    return message


def feed_region_block_handle(source: CandleSource, error: SourceRegionBlockedError) -> str:
    """Remember a 451 of ``source``'s host (alerting once); the stop reason."""
    url_setting = getattr(source, "url_setting", "BINANCE_BASE_URL")
    example = " (e.g. api.binance.us)" if url_setting == "BINANCE_BASE_URL" else ""  # no USD-M futures there
    message = f"{error}; not retried: set {url_setting} to a host that serves this region{example}"
    if feed_region_block_record(source=source.name, base_url=error.base_url, reason=str(error)):
        _alert(message)
    return message
