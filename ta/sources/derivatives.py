"""The interface of a derivatives-data source (open interest, ratios, taker volume, funding).

Like ``CandleSource`` for candles: a source answers "the rows of one series kind for this
symbol and period whose time lies in [start, end]"; planning, storing, the funding fill and
the CVD are the service's job (``ta.services.derivatives``). Implementations: Binance USD-M's
public data endpoints (``ta.sources.binance_derivatives``), the simulated market
(``ta.sources.simulated_derivatives``) and the replay of stored rows (``ta.sources.replay``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from django.conf import settings

from ta.sources.base import SourceConfigError

PERIODS = ("5m", "1h")
PERIOD_STEPS = {"5m": timedelta(minutes=5), "1h": timedelta(hours=1)}


class DerivativesKind(StrEnum):
    """One series a source serves; each fills its own columns of ``DerivativesPoint``."""

    OPEN_INTEREST = "open_interest"
    GLOBAL_RATIO = "global_long_short_ratio"
    TOP_ACCOUNT_RATIO = "top_long_short_account_ratio"
    TOP_POSITION_RATIO = "top_long_short_position_ratio"
    TAKER_VOLUME = "taker_volume"
    FUNDING = "funding_rate"


# The model columns each kind fills. A taker row may instead carry base-asset volumes
# (TAKER_BASE_KEYS, Binance's takerlongshortRatio): the service converts them to USDT.
KIND_COLUMNS: dict[DerivativesKind, tuple[str, ...]] = {
    DerivativesKind.OPEN_INTEREST: ("open_interest", "open_interest_value"),
    DerivativesKind.GLOBAL_RATIO: ("global_long_short_ratio",),
    DerivativesKind.TOP_ACCOUNT_RATIO: ("top_long_short_account_ratio",),
    DerivativesKind.TOP_POSITION_RATIO: ("top_long_short_position_ratio",),
    DerivativesKind.TAKER_VOLUME: ("taker_buy_volume", "taker_sell_volume"),
    DerivativesKind.FUNDING: ("funding_rate",),
}
TAKER_BASE_KEYS = ("taker_buy_base_volume", "taker_sell_base_volume")


@dataclass(frozen=True, slots=True)
class DerivativesRow:
    """One value set of a kind at ``time`` (aware UTC): column name -> ``Decimal``."""

    time: datetime
    values: dict[str, Decimal]


class DerivativesSource(Protocol):
    """A derivatives-data source (see the module docstring)."""

    name: str
    kinds: tuple[DerivativesKind, ...]  # what it serves; () when it has nothing (a CSV replay)
    history: timedelta | None  # how far back it serves (Binance: 30 days); None: any time

    def market_now(self, *, wall_now: datetime) -> datetime:
        """The market's present at wall time ``wall_now``."""
        ...

    def kind_page_limit(self, kind: DerivativesKind) -> int:
        """Most rows one ``points_fetch`` of ``kind`` returns."""
        ...

    def points_fetch(
        self, *, kind: DerivativesKind, symbol: str, period: str, start: datetime, end: datetime
    ) -> list[DerivativesRow]:
        """Rows of ``kind`` with ``start <= time <= end``, oldest first, at most ``kind_page_limit(kind)``.

        ``symbol`` is ``Symbol.data_symbol``; values are per coin as the source's own contract
        gives them (the symbol's ``source_price_divisor`` is applied by the caller). Funding rows
        are settlement events (``period`` is ignored). Raises ``SourceError`` subclasses.
        """
        ...


def derivatives_source_from_settings(name: str | None = None) -> DerivativesSource | None:
    """The derivatives source matching the market-data source ``name`` (default
    ``MARKET_DATA_SOURCE``), or None when derivatives are disabled (``DERIVATIVES_ENABLED``)."""
    if not settings.DERIVATIVES_ENABLED:
        return None
    name = name or settings.MARKET_DATA_SOURCE
    if name in ("binance", "binance_usdm"):
        from config.bus.client import redis_client
        from ta.sources.binance_derivatives import BinanceDerivativesSource
        from ta.sources.budget import RequestBudget

        budget = RequestBudget(
            redis=redis_client(), limit=settings.DERIVATIVES_BUDGET_REQUESTS_5M,
            max_wait_s=settings.DERIVATIVES_BUDGET_MAX_WAIT_S,
        )
        return BinanceDerivativesSource(
            base_url=settings.DERIVATIVES_BASE_URL, timeout_s=settings.BINANCE_TIMEOUT_S, budget=budget
        )
    if name == "simulated":
        from ta.sources.simulated_derivatives import SimulatedDerivativesSource

        return SimulatedDerivativesSource(seed=settings.MARKET_DATA_SIMULATED_SEED)
    if name == "replay":
        from ta.sources import source_from_settings
        from ta.sources.replay import ReplayDerivativesSource

        using = "replay" if "replay" in settings.DATABASES else None
        return ReplayDerivativesSource(candles=source_from_settings("replay"), using=using)
    raise SourceConfigError(f"no derivatives data for market-data source {name!r}")
