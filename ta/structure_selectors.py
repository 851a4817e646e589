"""Selectors (reads) of market structure, shaped exactly as the API's response bodies.

Signal bodies carry the seed's example fields in its order (``symbol``, ``market_score``,
``direction``, ``price``, ``entry1``, ``entry2``, ``sl``, ``tp1``-``tp3``, ``swing_high``,
``swing_low``, ``support_level``, ``resistance_level``, ``confluence`` as ``"OB,SR,RSI"``,
``risk_reward_ratio``, ``confidence_score``), then ``timeframe``, ``state`` and
``timestamp`` (open time of the candle last evaluated, ISO UTC). Prices are rounded to
8 significant digits. ``None`` means the symbol is unknown (the API answers 404);
``ValueError`` means a bad filter (400).
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Max, Q

from config.logging import Category
from ta.engine.strategies.registry import strategy_for_regime
from ta.engine.structure.fibonacci import DEFAULT_FIB_CONFIG, FibConfig
from ta.engine.structure.signals import ACTIONABLE_STATES
from ta.models import FibConfig as FibConfigRow
from ta.models import FibonacciLevels, LatestSignal, MarketRegime, SRLevel, SwingPoint, Symbol, TradingSignal
from ta.timeframes import PLATFORM_TIMEFRAMES

logger = logging.getLogger(__name__)

DEFAULT_TIMEFRAME = "1h"
DEFAULT_SIGNALS_LIMIT = 50
MAX_LIMIT = 500
DIRECTIONS = ("long", "short")
PRICE_SIGNIFICANT_DIGITS = 8


def price_round(value: float | None) -> float | None:
    """``value`` to 8 significant digits (102244.0, 6.68e-06); None stays None."""
    if value is None or not math.isfinite(value) or value == 0:
        return value
    digits = PRICE_SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value)))
    return round(value, digits)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _timeframe_checked(timeframe: str) -> str:
    if timeframe not in PLATFORM_TIMEFRAMES:
        raise ValueError(f"timeframe must be one of {', '.join(PLATFORM_TIMEFRAMES)}, got {timeframe!r}")
    return timeframe


def _limit_checked(limit: int) -> int:
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise ValueError(f"limit must be 1-{MAX_LIMIT}, got {limit}")
    return int(limit)


def _symbol_known(symbol: str) -> bool:
    return Symbol.objects.filter(symbol=symbol).exists()


def fib_config_current() -> FibConfig:
    """The admin's Fibonacci configuration as the engine's ``FibConfig``; the seed's defaults when
    the row is missing or its ratios cannot make a sane setup (logged)."""
    row = FibConfigRow.objects.filter(pk=1).first()
    if row is None:
        return DEFAULT_FIB_CONFIG
    config = row.engine_config()
    problem = config.problem()
    if problem:
        logger.error("Fibonacci configuration ignored (%s); using the seed's defaults", problem,
                     extra={"category": Category.SCAN})
        return DEFAULT_FIB_CONFIG
    return config


def signal_payload(row: TradingSignal) -> dict[str, Any]:
    """One signal's body (see the module docstring); ``row`` needs ``symbol`` selected."""
    return {
        "symbol": row.symbol.symbol,
        "market_score": row.market_score,
        "direction": row.direction,
        "price": price_round(row.price),
        "entry1": price_round(row.entry1),
        "entry2": price_round(row.entry2),
        "sl": price_round(row.sl),
        "tp1": price_round(row.tp1),
        "tp2": price_round(row.tp2),
        "tp3": price_round(row.tp3),
        "swing_high": price_round(row.swing_high),
        "swing_low": price_round(row.swing_low),
        "support_level": price_round(row.support_level),
        "resistance_level": price_round(row.resistance_level),
        "confluence": row.confluence,
        "risk_reward_ratio": row.risk_reward_ratio,
        "confidence_score": row.confidence_score,
        "timeframe": row.timeframe,
        "state": row.state,
        "timestamp": _iso(row.candle_time),
    }


def signals_list(
    *, symbol: str | None = None, direction: str | None = None, timeframe: str | None = None,
    limit: int = DEFAULT_SIGNALS_LIMIT,
) -> list[dict[str, Any]]:
    """``GET /signals``: the newest signals first (by last evaluation), filtered by ``symbol``,
    ``direction`` (long|short) and ``timeframe``; ``limit`` 1-500 (default 50). ValueError for a bad filter."""
    rows = TradingSignal.objects.select_related("symbol")
    if symbol:
        rows = rows.filter(symbol__symbol=symbol.upper())
    if direction:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be long or short, got {direction!r}")
        rows = rows.filter(direction=direction)
    if timeframe:
        rows = rows.filter(timeframe=_timeframe_checked(timeframe))
    return [signal_payload(row) for row in rows.order_by("-updated_at", "-id")[: _limit_checked(limit)]]


def signal_latest(*, symbol: str) -> dict[str, Any] | None:
    """``GET /signals/{symbol}/latest``: the symbol's most recently evaluated signal (any timeframe),
    or None when the symbol is unknown or has no signal yet."""
    row = (
        TradingSignal.objects.select_related("symbol")
        .filter(symbol__symbol=symbol.upper())
        .order_by("-updated_at", "-id")
        .first()
    )
    return None if row is None else signal_payload(row)


def signals_latest_per_symbol() -> list[dict[str, Any]]:
    """The latest signal of every symbol that has one (the one ``signal_latest`` gives: most
    recently evaluated, any timeframe), as signal bodies ordered by symbol: the rows of the
    database view ``latest_signals`` (``LatestSignal``); the Signals page's table."""
    rows = TradingSignal.objects.select_related("symbol").filter(pk__in=LatestSignal.objects.values("signal"))
    return [signal_payload(row) for row in rows.order_by("symbol__symbol")]


def signals_summary() -> dict[str, Any]:
    """``GET /signals/summary``: counts and averages over every stored signal, and per symbol.

    ``active_signals`` counts those whose pullback is live (state pullback, approaching or
    entry_zone); ``symbols`` lists each symbol with signals, most signals first.
    """
    live = Q(state__in=ACTIONABLE_STATES)
    totals = TradingSignal.objects.aggregate(
        total=Count("id"), long=Count("id", filter=Q(direction="long")),
        short=Count("id", filter=Q(direction="short")), active=Count("id", filter=live),
        avg_score=Avg("market_score"), avg_confidence=Avg("confidence_score"), latest=Max("updated_at"),
    )
    per_symbol = (
        TradingSignal.objects.values("symbol__symbol")
        .annotate(signals=Count("id"), active=Count("id", filter=live), avg_score=Avg("market_score"))
        .order_by("-signals", "symbol__symbol")
    )
    return {
        "total_signals": totals["total"],
        "long_signals": totals["long"],
        "short_signals": totals["short"],
        "active_signals": totals["active"],
        "avg_market_score": None if totals["avg_score"] is None else round(totals["avg_score"], 1),
        "avg_confidence_score": None if totals["avg_confidence"] is None else round(totals["avg_confidence"], 1),
        "latest_signal_at": _iso(totals["latest"]),
        "symbols": [
            {"symbol": row["symbol__symbol"], "signals": row["signals"], "active_signals": row["active"],
             "avg_market_score": round(row["avg_score"], 1)}
            for row in per_symbol
        ],
    }


def sr_levels(*, symbol: str, timeframe: str = DEFAULT_TIMEFRAME) -> dict[str, Any] | None:
    """``GET /sr-levels/{symbol}?timeframe``: the series' current levels, lowest price first.

    ``{"symbol", "timeframe", "levels": [{"price", "type" support|resistance, "strength" 0-100,
    "touches", "is_active", "origin", "zone_low", "zone_high", "first_touch", "last_touch"}],
    "computed_at"}``; None for an unknown symbol; ValueError for a timeframe not fetched.
    """
    symbol = symbol.upper()
    _timeframe_checked(timeframe)
    if not _symbol_known(symbol):
        return None
    rows = list(SRLevel.objects.filter(symbol__symbol=symbol, timeframe=timeframe).order_by("price"))
    return {
        "symbol": symbol,
        "timeframe": timeframe,
        "levels": [
            {"price": price_round(row.price), "type": row.kind, "strength": row.strength, "touches": row.touches,
             "is_active": row.is_active, "origin": row.origin, "zone_low": price_round(row.zone_low),
             "zone_high": price_round(row.zone_high), "first_touch": _iso(row.first_touch_at),
             "last_touch": _iso(row.last_touch_at)}
            for row in rows
        ],
        "computed_at": _iso(max((row.computed_at for row in rows), default=None)),
    }


def swings(*, symbol: str, timeframe: str = DEFAULT_TIMEFRAME, limit: int = DEFAULT_SIGNALS_LIMIT
           ) -> dict[str, Any] | None:
    """``GET /swings/{symbol}?timeframe``: the newest ``limit`` (1-500, default 50) confirmed swings,
    newest first: ``{"symbol", "timeframe", "swings": [{"timestamp", "type" high|low, "price",
    "strength"}]}``; None for an unknown symbol; ValueError for a bad timeframe or limit."""
    symbol = symbol.upper()
    _timeframe_checked(timeframe)
    limit = _limit_checked(limit)
    if not _symbol_known(symbol):
        return None
    rows = SwingPoint.objects.filter(symbol__symbol=symbol, timeframe=timeframe).order_by("-open_time", "kind")
    return {
        "symbol": symbol,
        "timeframe": timeframe,
        "swings": [
            {"timestamp": _iso(row.open_time), "type": row.kind, "price": price_round(row.price),
             "strength": row.strength}
            for row in rows[:limit]
        ],
    }


def fibonacci_levels(*, symbol: str, timeframe: str = DEFAULT_TIMEFRAME) -> dict[str, Any] | None:
    """The series' current Fibonacci setup (for the symbol chart), or None when it has none."""
    row = FibonacciLevels.objects.filter(symbol__symbol=symbol.upper(), timeframe=_timeframe_checked(timeframe)).first()
    if row is None:
        return None
    return {
        "symbol": symbol.upper(), "timeframe": timeframe, "direction": row.direction,
        "swing_high": price_round(row.swing_high), "swing_low": price_round(row.swing_low),
        "swing_high_time": _iso(row.swing_high_time), "swing_low_time": _iso(row.swing_low_time),
        "levels": {ratio: price_round(price) for ratio, price in row.levels.items()},
        "entry1": price_round(row.entry1), "entry2": price_round(row.entry2), "stop": price_round(row.stop),
        "approaching": price_round(row.approaching), "pullback_start": price_round(row.pullback_start),
        "tp1": price_round(row.tp1), "tp2": price_round(row.tp2), "tp3": price_round(row.tp3),
        "retracement": round(row.retracement, 4), "state": row.state, "timestamp": _iso(row.candle_time),
    }


def _regime_payload(row: MarketRegime) -> dict[str, Any]:
    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "symbol": row.symbol.symbol,
        "timeframe": row.timeframe,
        "regime": row.regime,
        "strategy": strategy_for_regime(row.regime),
        "status": row.status,
        "reason": row.reason,
        "adx": rounded(row.adx, 2),
        "plus_di": rounded(row.plus_di, 2),
        "minus_di": rounded(row.minus_di, 2),
        "atr_pct": rounded(row.atr_pct, 4),
        "atr_pct_percentile": rounded(row.atr_pct_percentile, 1),
        "bb_width": rounded(row.bb_width, 5),
        "bb_width_percentile": rounded(row.bb_width_percentile, 1),
        "compressed": row.compressed,
        "timestamp": _iso(row.candle_time),
        "computed_at": _iso(row.computed_at),
    }


def regime_latest(*, symbol: str, timeframe: str = DEFAULT_TIMEFRAME) -> dict[str, Any] | None:
    """The latest regime of one series (``strategy``: the seed's mapping, None = open nothing), or None."""
    row = (
        MarketRegime.objects.select_related("symbol")
        .filter(symbol__symbol=symbol.upper(), timeframe=_timeframe_checked(timeframe))
        .first()
    )
    return None if row is None else _regime_payload(row)


def regimes_latest(*, timeframe: str = DEFAULT_TIMEFRAME) -> list[dict[str, Any]]:
    """The latest regime of every enabled symbol on ``timeframe``, in display order (for the scanner)."""
    rows = (
        MarketRegime.objects.select_related("symbol")
        .filter(symbol__enabled=True, timeframe=_timeframe_checked(timeframe))
        .order_by("symbol__display_order", "symbol__symbol")
    )
    return [_regime_payload(row) for row in rows]


def signal_stops_latest() -> dict[tuple[str, str], float]:
    """``{(symbol, direction): sl}`` of the newest live setup (pullback, approaching or entry zone, any
    timeframe) of every enabled symbol and direction: the structure engine's stop, for risk sizing. One query."""
    rows = (TradingSignal.objects.filter(symbol__enabled=True, state__in=ACTIONABLE_STATES)
            .order_by("-updated_at", "-id").values_list("symbol__symbol", "direction", "sl"))
    stops: dict[tuple[str, str], float] = {}
    for symbol, direction, sl in rows:
        stops.setdefault((symbol, direction), sl)
    return stops
