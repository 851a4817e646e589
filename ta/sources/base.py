"""The one interface every market-data source speaks, and the errors it may raise.

A source answers one question: "the candles of this symbol and timeframe whose open
time lies in [start, end]", as frozen ``Bar`` values with ``Decimal`` prices. Paging,
storing, caching and publishing are the fetch service's job (``ta.services.fetch``),
so the Binance client, the simulated market and the replay feed stay small and are
interchangeable (issue 3 "Sources behind one interface").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Bar:
    """One candle as a source delivers it. ``open_time`` is aware UTC.

    ``quote_volume`` and ``taker_buy_quote_volume`` (USDT) come with Binance klines and the
    simulated market; CSV files have none (None: unknown, never zero). They are the CVD's input.
    """

    open_time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    is_closed: bool = True
    quote_volume: Decimal | None = None
    taker_buy_quote_volume: Decimal | None = None


class CandleSource(Protocol):
    """A market-data source: Binance REST, the simulated market, or a replay."""

    name: str
    page_limit: int  # most candles one ``bars_fetch`` call returns

    def market_now(self, *, wall_now: datetime) -> datetime:
        """The market's present at wall time ``wall_now`` (differs from it only for a replay)."""
        ...

    def bars_fetch(self, *, symbol: str, timeframe: str, start: datetime, end: datetime, now: datetime) -> list[Bar]:
        """Candles with ``start <= open_time <= end``, oldest first, at most ``page_limit``.

        ``symbol`` is the source's own symbol (``Symbol.data_symbol``); ``now`` is the
        market's present: a candle still open at ``now`` is returned with
        ``is_closed=False``, none newer than ``now`` is returned. Raises a
        ``SourceError`` subclass on failure; never returns a partial page.
        """
        ...


class SourceError(Exception):
    """A market-data source failed; subclasses say what the caller must do."""


class SourceTemporaryError(SourceError):
    """Timeouts, 5xx, connection errors after retries: try again at the next fetch."""


class SourceRateLimitedError(SourceTemporaryError):
    """Rate limited (HTTP 429) for longer than a fetch may wait; try again after ``retry_after_s``."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class SourceBannedError(SourceError):
    """The source banned this client (Binance 418) until ``until``: stop fetching, alert."""

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class SourceRegionBlockedError(SourceError):
    """The source refuses this region (Binance 451): never retried while the base URL is unchanged."""

    def __init__(self, message: str, *, base_url: str) -> None:
        super().__init__(message)
        self.base_url = base_url


class SourceDataError(SourceError):
    """A malformed response or row: the whole response is rejected, nothing from it is stored."""


class SourceConfigError(SourceError):
    """The source cannot serve this request as configured (unknown symbol file, bad setting)."""


def to_millis(moment: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_millis(millis: int) -> datetime:
    """Aware UTC datetime of milliseconds since the Unix epoch."""
    return EPOCH + timedelta(milliseconds=millis)


def floor_time(moment: datetime, step: timedelta) -> datetime:
    """The start of the ``step``-long bucket (aligned on the Unix epoch) containing ``moment``."""
    return EPOCH + ((moment - EPOCH) // step) * step


def bar_rescaled(bar: Bar, divisor: Decimal) -> Bar:
    """``bar`` with prices divided and base volume multiplied by ``divisor`` (a 1000PEPEUSDT contract
    as PEPE); quote (USDT) volumes are the same either way, so they are kept as they are."""
    return replace(bar, open=bar.open / divisor, high=bar.high / divisor, low=bar.low / divisor,
                   close=bar.close / divisor, volume=bar.volume * divisor)
