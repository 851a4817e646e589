"""Run the structure engines and the regime classifier per symbol and timeframe, and store the results.

``structure_scan`` runs after every candle update (``ta.signals.candles_updated``, task
``analysis.structure``) for the changed symbols and fetched timeframes, and from
``manage.py analyze SYMBOL``. Per series (symbol, timeframe) it reads the newest
``TA_CANDLES_LIMIT`` candles, runs ``ta.engine.structure`` with the admin's Fibonacci
configuration and the swing strength ``STRUCTURE_SWING_STRENGTH``, and in one transaction:

- upserts the confirmed swings (history; first-seen time kept),
- replaces the S/R levels and the Fibonacci setup (removed when the candles cannot be
  analysed, so nothing stale reads as current),
- creates or updates the trading signal of the current setup when its pullback is
  live, and keeps updating an already stored setup's row (so an invalidation shows),
  with its confluence factors,
- replaces the series' regime.

One series' bad data or failure is logged as a SCAN error and never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from config.bus.push import push_event
from config.bus.schema import Event, Group
from config.logging import Category
from ta.derivatives_selectors import derivatives_input, derivatives_period_for
from ta.engine.structure.analysis import StructureAnalysis, structure_analyse
from ta.engine.structure.fibonacci import FibConfig, FibSetup
from ta.engine.structure.regime import RegimeResult, regime_classify
from ta.engine.structure.signals import StructureSignal
from ta.models import (
    ConfluenceFactor,
    FibonacciLevels,
    MarketRegime,
    SRLevel,
    SwingPoint,
    Symbol,
    TradingSignal,
)
from ta.selectors import candles_frame, symbols_enabled
from ta.structure_selectors import fib_config_current
from ta.timeframes import PLATFORM_TIMEFRAMES, timeframe_duration

logger = logging.getLogger(__name__)


def ns_datetime(value: int) -> datetime:
    """Nanoseconds since the epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(value / 1e9, tz=UTC)


def _finite_or_none(value: float) -> float | None:
    return value if value == value and abs(value) != float("inf") else None


def structure_compute(
    *, symbol: str, timeframe: str, fib_config: FibConfig, limit: int | None = None,
    as_of: datetime | None = None,
) -> tuple[StructureAnalysis, RegimeResult]:
    """Structure and regime of one series from the database (read-only), swings of
    ``settings.STRUCTURE_SWING_STRENGTH``; bad candles give ``insufficient_data`` results, never an exception.
    The confluence's derivatives factors read the series known at ``as_of`` (default: the newest
    candle's close, or now while it is forming)."""
    frame = candles_frame(symbol=symbol, timeframe=timeframe, limit=limit or settings.TA_CANDLES_LIMIT)
    if as_of is None:
        as_of = datetime.now(tz=UTC)
        if not frame.empty:  # evaluated as of the newest candle's close (a forming one: now)
            as_of = min(as_of, frame.index[-1].to_pydatetime() + timeframe_duration(timeframe))
    derivatives = derivatives_input(symbol=symbol, period=derivatives_period_for(timeframe), as_of=as_of)
    analysis = structure_analyse(frame, fib_config=fib_config, strength=settings.STRUCTURE_SWING_STRENGTH,
                                 derivatives=derivatives)
    return analysis, regime_classify(frame)


def _swings_store(symbol_id: int, timeframe: str, analysis: StructureAnalysis, computed_at: datetime) -> None:
    rows = [
        SwingPoint(symbol_id=symbol_id, timeframe=timeframe, open_time=ns_datetime(point.open_time_ns),
                   kind=point.kind, price=point.price, strength=point.strength, detected_at=computed_at)
        for point in analysis.swings
    ]
    SwingPoint.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["symbol", "timeframe", "open_time", "kind"],
        update_fields=["price", "strength"],
    )


def _levels_store(symbol_id: int, timeframe: str, analysis: StructureAnalysis, computed_at: datetime) -> None:
    SRLevel.objects.filter(symbol_id=symbol_id, timeframe=timeframe).delete()
    SRLevel.objects.bulk_create(
        SRLevel(symbol_id=symbol_id, timeframe=timeframe, price=level.price, zone_low=level.zone_low,
                zone_high=level.zone_high, kind=level.kind, origin=level.origin, touches=level.touches,
                strength=level.strength, is_active=level.active, first_touch_at=ns_datetime(level.first_touch_ns),
                last_touch_at=ns_datetime(level.last_touch_ns), computed_at=computed_at)
        for level in analysis.levels
    )


def _fib_store(symbol_id: int, timeframe: str, setup: FibSetup | None, candle_time: datetime,
               computed_at: datetime) -> None:
    if setup is None:
        FibonacciLevels.objects.filter(symbol_id=symbol_id, timeframe=timeframe).delete()
        return
    tp1, tp2, tp3 = setup.take_profits
    FibonacciLevels.objects.update_or_create(
        symbol_id=symbol_id,
        timeframe=timeframe,
        defaults={
            "direction": setup.direction, "swing_high": setup.swing_high.price, "swing_low": setup.swing_low.price,
            "swing_high_time": ns_datetime(setup.swing_high.open_time_ns),
            "swing_low_time": ns_datetime(setup.swing_low.open_time_ns),
            "levels": {f"{ratio:g}": price for ratio, price in setup.levels.items()},
            "entry1": setup.entry1, "entry2": setup.entry2, "stop": setup.stop, "approaching": setup.approaching,
            "pullback_start": setup.pullback_start, "tp1": tp1, "tp2": tp2, "tp3": tp3,
            "retracement": setup.retracement, "state": setup.state, "candle_time": candle_time,
            "computed_at": computed_at,
        },
    )


def _signal_store(symbol_id: int, timeframe: str, analysis: StructureAnalysis, candle_time: datetime,
                  computed_at: datetime) -> TradingSignal | None:
    signal: StructureSignal | None = analysis.signal
    setup = analysis.setup
    if signal is None or setup is None:
        return None
    key = {
        "symbol_id": symbol_id, "timeframe": timeframe, "direction": signal.direction,
        "swing_high_time": ns_datetime(setup.swing_high.open_time_ns),
        "swing_low_time": ns_datetime(setup.swing_low.open_time_ns),
    }
    if not signal.actionable and not TradingSignal.objects.filter(**key).exists():
        return None
    row, _created = _signal_upsert(key, signal, candle_time, computed_at)
    row.factors.all().delete()
    ConfluenceFactor.objects.bulk_create(
        ConfluenceFactor(signal=row, code=factor.code, score=factor.score, weight=factor.weight,
                         detail=factor.detail[:200])
        for factor in signal.confluence.factors
    )
    return row


def _signal_upsert(key: dict[str, Any], signal: StructureSignal, candle_time: datetime,
                   computed_at: datetime) -> tuple[TradingSignal, bool]:
    values = {
        "market_score": signal.market_score, "price": signal.price, "entry1": signal.entry1,
        "entry2": signal.entry2, "sl": signal.stop, "tp1": signal.tp1, "tp2": signal.tp2, "tp3": signal.tp3,
        "swing_high": signal.swing_high, "swing_low": signal.swing_low,
        "support_level": signal.support_level, "resistance_level": signal.resistance_level,
        "confluence": ",".join(signal.confluence.codes), "risk_reward_ratio": signal.risk_reward_ratio,
        "confidence_score": signal.confidence_score, "state": signal.state, "candle_time": candle_time,
        "updated_at": computed_at,
    }
    return TradingSignal.objects.update_or_create(**key, defaults=values,
                                                  create_defaults={**values, "created_at": computed_at})


def _regime_store(symbol_id: int, timeframe: str, regime: RegimeResult, computed_at: datetime) -> None:
    MarketRegime.objects.update_or_create(
        symbol_id=symbol_id,
        timeframe=timeframe,
        defaults={
            "regime": regime.regime, "status": regime.status, "reason": regime.reason[:200],
            "adx": _finite_or_none(regime.adx), "plus_di": _finite_or_none(regime.plus_di),
            "minus_di": _finite_or_none(regime.minus_di), "atr_pct": _finite_or_none(regime.atr_pct),
            "atr_pct_percentile": _finite_or_none(regime.atr_pct_percentile),
            "bb_width": _finite_or_none(regime.bb_width),
            "bb_width_percentile": _finite_or_none(regime.bb_width_percentile),
            "compressed": regime.compressed,
            "candle_time": ns_datetime(regime.candle_time_ns) if regime.candle_time_ns else None,
            "computed_at": computed_at,
        },
    )


@transaction.atomic
def structure_store(
    *, symbol_id: int, timeframe: str, analysis: StructureAnalysis, regime: RegimeResult, computed_at: datetime
) -> TradingSignal | None:
    """Store one series' results (see the module docstring); returns the signal row written, if any.

    The symbol's row is locked first, so two runs of the same symbol (a backed-up queue,
    several workers) write one after the other instead of interleaving their replacements.
    """
    Symbol.objects.select_for_update().filter(pk=symbol_id).values_list("pk", flat=True).first()
    _regime_store(symbol_id, timeframe, regime, computed_at)
    if not analysis.ok:
        SRLevel.objects.filter(symbol_id=symbol_id, timeframe=timeframe).delete()
        FibonacciLevels.objects.filter(symbol_id=symbol_id, timeframe=timeframe).delete()
        return None
    candle_time = ns_datetime(analysis.candle_time_ns)
    _swings_store(symbol_id, timeframe, analysis, computed_at)
    _levels_store(symbol_id, timeframe, analysis, computed_at)
    _fib_store(symbol_id, timeframe, analysis.setup, candle_time, computed_at)
    return _signal_store(symbol_id, timeframe, analysis, candle_time, computed_at)


@dataclass
class StructureReport:
    """What one structure scan did per series ``SYMBOL:timeframe``: stored, refused (reason), failed (error)."""

    stored: list[str] = field(default_factory=list)
    insufficient: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    signals: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "insufficient": self.insufficient, "errors": self.errors,
                "signals": self.signals, "duration_s": round(self.duration_s, 3)}


def structure_scan(*, symbols: list[str] | None = None, timeframes: list[str] | None = None,
                   limit: int | None = None, on_symbol: Callable[[str, int], None] | None = None) -> StructureReport:
    """Run and store the structure of ``symbols`` (default every enabled one; others skipped) on
    ``timeframes`` (default 5m, 1h, 4h; unknown ones skipped). Never raises for one series.
    ``on_symbol(symbol, total)`` is called after each symbol's timeframes (a progress bar's hook)."""
    started = time.perf_counter()
    enabled = symbols_enabled()
    targets = enabled if symbols is None else [symbol for symbol in enabled if symbol in set(symbols)]
    series_timeframes = [tf for tf in (timeframes or PLATFORM_TIMEFRAMES) if tf in PLATFORM_TIMEFRAMES]
    symbol_ids = dict(Symbol.objects.filter(symbol__in=targets).values_list("symbol", "id"))
    fib_config = fib_config_current()
    report = StructureReport()
    for symbol in targets:
        for timeframe in series_timeframes:
            name = f"{symbol}:{timeframe}"
            try:
                analysis, regime = structure_compute(symbol=symbol, timeframe=timeframe, fib_config=fib_config,
                                                     limit=limit)
                row = structure_store(symbol_id=symbol_ids[symbol], timeframe=timeframe, analysis=analysis,
                                      regime=regime, computed_at=datetime.now(tz=UTC))
            except Exception as error:  # one series' failure never stops the others (logged with traceback)
                logger.exception("structure of %s failed", name, extra={"category": Category.SCAN, "symbol": symbol})
                report.errors[name] = f"{type(error).__name__}: {error}"
                continue
            if analysis.ok:
                report.stored.append(name)
            else:
                report.insufficient[name] = analysis.reason
            if row is not None:
                report.signals.append(name)
        if on_symbol is not None:
            on_symbol(symbol, len(targets))
    if report.stored:
        push_event(group=Group.DASHBOARD, event=Event.REGIMES, payload={"series": report.stored})
    report.duration_s = time.perf_counter() - started
    return report
