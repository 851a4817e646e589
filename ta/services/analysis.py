"""Analyse symbols from the database, persist the latest results and publish them on the bus.

The scan loop (``analysis_scan``) takes each symbol's newest candles (5m, 1h, 4h;
``TA_CANDLES_LIMIT`` each), runs the pure engine (``ta.engine.analysis``), replaces
the symbol's ``TAResult``/``ScanResult`` rows, and publishes per DESIGN.md's bus table:
``ta:latest:{symbol}`` (TTL 120 s) and ``signals:ta:{symbol}`` with the seed-schema
result, then ``signals:scan`` with every enabled symbol's latest scan entry. The same
payloads go to the dashboard group (``ta.signal``, ``scan.update``). One symbol's bad
data or failure is logged as a SCAN error and never stops the others.

Leverage rules are the trader's config; ``ta`` cannot import the trader, so the
trader registers a provider with ``leverage_config_register``. Until it does, the
DESIGN.md defaults apply ({"60+": 7, "default": 5}, capped at 10).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import DatabaseError, transaction

from config.bus.client import bus_publish, bus_set_and_publish
from config.bus.push import push_event
from config.bus.schema import CHANNEL_SIGNALS_SCAN, TA_LATEST_TTL_S, Event, Group, channel_signals_ta, key_ta_latest
from config.logging import Category
from ta.analysis_selectors import scan_results_latest
from ta.derivatives_selectors import derivatives_input
from ta.engine.analysis import SymbolAnalysis, symbol_analyse
from ta.models import ScanResult, ScanStatus, Symbol, TAResult
from ta.selectors import candles_frame, symbols_enabled
from ta.timeframes import PLATFORM_TIMEFRAMES, timeframe_duration

logger = logging.getLogger(__name__)

DEFAULT_LEVERAGE_RULES: dict[str, int] = {"60+": 7, "default": 5}
DEFAULT_MAX_LEVERAGE = 10

LeverageConfig = tuple[Mapping[str, int], int]
_leverage_provider: Callable[[], LeverageConfig] | None = None


def leverage_config_register(provider: Callable[[], LeverageConfig] | None) -> None:
    """Let the trader supply ``(leverage_rules, max_leverage)``, read at the start of every scan (None: defaults)."""
    global _leverage_provider  # one process-wide hook, set once at start-up
    _leverage_provider = provider


def leverage_config_current() -> LeverageConfig:
    """The registered provider's leverage rules and cap, or the defaults (also when it fails)."""
    if _leverage_provider is None:
        return DEFAULT_LEVERAGE_RULES, DEFAULT_MAX_LEVERAGE
    try:
        return _leverage_provider()
    except Exception as error:  # noqa: BLE001 - a broken provider must not stop the scan
        logger.error("leverage config provider failed, using defaults: %s", error, extra={"category": Category.SCAN})
        return DEFAULT_LEVERAGE_RULES, DEFAULT_MAX_LEVERAGE


def symbol_frames(*, symbol: str, limit: int) -> dict[str, pd.DataFrame]:
    """The newest ``limit`` candles of ``symbol`` on 5m, 1h and 4h as engine frames."""
    return {
        timeframe: candles_frame(symbol=symbol, timeframe=timeframe, limit=limit) for timeframe in PLATFORM_TIMEFRAMES
    }


def symbol_analysis_compute(
    *,
    symbol: str,
    leverage_rules: Mapping[str, int] | None = None,
    max_leverage: int | None = None,
    limit: int | None = None,
) -> SymbolAnalysis:
    """Analyse ``symbol`` from the database without storing or publishing (read-only).

    Leverage rules default to ``leverage_config_current()``; ``limit`` to ``TA_CANDLES_LIMIT``. With
    ``SCANNER_DERIVATIVES_FACTORS`` on, the base score adds the derivatives factors (5m rows known
    at the newest 5m candle's close).
    """
    if leverage_rules is None or max_leverage is None:
        leverage_rules, max_leverage = leverage_config_current()
    frames = symbol_frames(symbol=symbol, limit=limit or settings.TA_CANDLES_LIMIT)
    derivatives = None
    if settings.SCANNER_DERIVATIVES_FACTORS:
        as_of = datetime.now(tz=UTC)
        if not frames["5m"].empty:  # as of the newest 5m candle's close (a forming one: now)
            as_of = min(as_of, frames["5m"].index[-1].to_pydatetime() + timeframe_duration("5m"))
        derivatives = derivatives_input(symbol=symbol, period="5m", as_of=as_of)
    return symbol_analyse(symbol=symbol, frames=frames, leverage_rules=leverage_rules, max_leverage=max_leverage,
                          derivatives=derivatives)


def _failed(symbol: str, error: Exception) -> SymbolAnalysis:
    reason = f"analysis failed: {type(error).__name__}: {error}"
    scan = {"symbol": symbol, "status": ScanStatus.ERROR.value, "reason": reason}
    return SymbolAnalysis(symbol=symbol, status=ScanStatus.ERROR.value, reason=reason, ta_result=None, scan=scan)


def _candle_time(analysis: SymbolAnalysis) -> datetime | None:
    if not analysis.ok:
        return None
    return datetime.strptime(analysis.scan["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@transaction.atomic
def analysis_store(*, symbol_id: int, analysis: SymbolAnalysis, computed_at: datetime) -> None:
    """Replace the symbol's latest ScanResult (and TAResult: removed when the analysis is not ok,
    so nothing reads a stale TA result as current)."""
    scan = analysis.scan
    candle_time = _candle_time(analysis)
    ScanResult.objects.update_or_create(
        symbol_id=symbol_id,
        defaults={
            "status": analysis.status,
            "reason": analysis.reason,
            "candle_time": candle_time,
            "computed_at": computed_at,
            "long_score": scan.get("long_score", 0),
            "short_score": scan.get("short_score", 0),
            "ta_long_bonus": scan.get("ta_long_bonus", 0),
            "ta_short_bonus": scan.get("ta_short_bonus", 0),
            "direction": scan.get("direction", ""),
            "suggested_leverage": scan.get("suggested_leverage"),
            "payload": scan,
        },
    )
    if analysis.ok:
        TAResult.objects.update_or_create(
            symbol_id=symbol_id,
            defaults={"candle_time": candle_time, "computed_at": computed_at, "payload": analysis.ta_result},
        )
    else:
        TAResult.objects.filter(symbol_id=symbol_id).delete()


def ta_result_publish(*, symbol: str, ta_result: dict[str, Any]) -> bool:
    """``ta:latest:{symbol}`` (TTL 120 s) + ``signals:ta:{symbol}`` + a ``ta.signal`` push; True if Redis took it."""
    published = bus_set_and_publish(
        key=key_ta_latest(symbol), ttl_s=TA_LATEST_TTL_S, channel=channel_signals_ta(symbol), payload=ta_result
    )
    push_event(group=Group.DASHBOARD, event=Event.TA_SIGNAL, payload=ta_result)
    return published


def scan_snapshot_publish(*, computed_at: datetime) -> dict[str, Any]:
    """Publish every enabled symbol's latest scan entry on ``signals:scan`` and as a ``scan.update`` push.

    Payload: ``{"timestamp": ISO UTC, "results": [scan entry, ...]}`` in display order.
    """
    payload = {"timestamp": computed_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "results": scan_results_latest()}
    bus_publish(channel=CHANNEL_SIGNALS_SCAN, payload=payload)
    push_event(group=Group.DASHBOARD, event=Event.SCAN, payload=payload)
    return payload


@dataclass
class ScanReport:
    """What one scan did: symbols analysed, refused (reason) and failed (error), and how long it took."""

    analysed: list[str] = field(default_factory=list)
    insufficient: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "analysed": self.analysed,
            "insufficient": self.insufficient,
            "errors": self.errors,
            "duration_s": round(self.duration_s, 3),
        }


def _log_status_change(analysis: SymbolAnalysis, previous: tuple[str, str] | None) -> None:
    """Refusals and failures are logged when they start or change, not on every 30 s scan."""
    if analysis.ok or previous == (analysis.status, analysis.reason):
        return
    level = logging.ERROR if analysis.status == ScanStatus.ERROR else logging.WARNING
    logger.log(level, "%s not analysed: %s", analysis.symbol, analysis.reason,
               extra={"category": Category.SCAN, "symbol": analysis.symbol, "status": analysis.status})


def analysis_scan(*, symbols: list[str] | None = None,
                  on_symbol: Callable[[str, int], None] | None = None) -> ScanReport:
    """Analyse ``symbols`` (default: every enabled symbol; disabled or unknown ones are skipped),
    store and publish each result, then publish the whole scan on ``signals:scan``.
    ``on_symbol(symbol, total)`` is called after each symbol (a progress bar's hook).

    Never raises for one symbol's data or failure: that symbol gets an
    ``insufficient_data`` or ``error`` ScanResult and a SCAN log entry.
    """
    started = time.perf_counter()
    enabled = symbols_enabled()
    targets = enabled if symbols is None else [symbol for symbol in enabled if symbol in set(symbols)]
    symbol_ids = dict(Symbol.objects.filter(symbol__in=targets).values_list("symbol", "id"))
    previous = {
        row[0]: (row[1], row[2])
        for row in ScanResult.objects.filter(symbol_id__in=symbol_ids.values()).values_list(
            "symbol__symbol", "status", "reason"
        )
    }
    leverage_rules, max_leverage = leverage_config_current()
    report = ScanReport()
    for symbol in targets:
        try:
            analysis = symbol_analysis_compute(symbol=symbol, leverage_rules=leverage_rules, max_leverage=max_leverage)
        except Exception as error:  # one symbol's failure never stops the others (logged with traceback)
            logger.exception("analysis of %s failed", symbol, extra={"category": Category.SCAN, "symbol": symbol})
            analysis = _failed(symbol, error)
        computed_at = datetime.now(tz=UTC)
        try:
            analysis_store(symbol_id=symbol_ids[symbol], analysis=analysis, computed_at=computed_at)
        except DatabaseError as error:  # e.g. the symbol deleted meanwhile: skip it, keep scanning
            logger.error("result of %s not stored: %s", symbol, error, extra={"category": Category.SCAN})
            report.errors[symbol] = f"not stored: {type(error).__name__}: {error}"
            continue
        _log_status_change(analysis, previous.get(symbol))
        if analysis.ok:
            report.analysed.append(symbol)
            ta_result_publish(symbol=symbol, ta_result=analysis.ta_result)
        elif analysis.status == ScanStatus.ERROR:
            report.errors[symbol] = analysis.reason
        else:
            report.insufficient[symbol] = analysis.reason
        if on_symbol is not None:
            on_symbol(symbol, len(targets))
    if targets:
        scan_snapshot_publish(computed_at=datetime.now(tz=UTC))
    report.duration_s = time.perf_counter() - started
    return report
