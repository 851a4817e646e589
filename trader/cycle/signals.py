"""What the cycle reads from the analysis side: candidates from the latest scan and from the
strategies the config allows, and the market data's age.

Read from the database (``ta``'s ScanResult, MarketRegime and Candle rows), so the trader
works with Redis down. Nothing here recomputes a scanner score.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Max

from ta.engine.strategies.registry import strategies_allowed, strategy_get, strategy_names_validate
from ta.engine.structure.regime import UNCERTAIN
from ta.models import Candle, ScanResult, ScanStatus, Symbol
from ta.selectors import candles_frame, price_latest
from ta.structure_selectors import regime_latest, signal_stops_latest
from trader.cycle.rules import Candidate, EntrySettings, candidate_best_side, score_counted, threshold_for

FIVE_MINUTES = timedelta(minutes=5)
STALE_AFTER_CANDLES = 3
STRATEGY_CANDLES = 300  # 5m candles a strategy sees (25 h: covers every strategy's warm-up)
SCANNER = "scanner"


def scan_candidates(*, settings: EntrySettings, strategies: list[str] | None = None,
                    use_regime_mapping: bool = False) -> list[Candidate]:
    """One candidate per enabled symbol, strongest first.

    Per symbol, the strategies that may open (``strategies``, narrowed to the one the coin's
    regime maps to when ``use_regime_mapping``) are asked in the configured order; the first
    that wants to trade (the scanner: its score reaches the threshold; another strategy: it
    signals) gives the candidate. When none wants to, the scanner's best side is still the
    candidate, so the decision log says why nothing was traded.
    """
    strategies = strategies or [SCANNER]
    scans = {row.symbol.symbol: row for row in
             ScanResult.objects.filter(symbol__enabled=True, status=ScanStatus.OK).select_related("symbol")}
    symbols = (list(Symbol.objects.filter(enabled=True).values_list("symbol", flat=True))
               if strategies != [SCANNER] else list(scans))
    stops = signal_stops_latest() if SCANNER in strategies else {}
    candidates = []
    for symbol in symbols:
        regime = regime_latest(symbol=symbol) if use_regime_mapping else None
        regime_name = regime["regime"] if regime else ""
        if regime_name == UNCERTAIN and settings.uncertain_risk_factor > 0:
            allowed = strategy_names_validate(strategies)  # reduced risk instead of nothing
        else:
            allowed = strategies_allowed(allowed=strategies, regime=regime_name or None,
                                         use_regime_mapping=use_regime_mapping)
        candidate = _candidate_for(symbol=symbol, allowed=allowed, scan=scans.get(symbol), settings=settings,
                                   stops=stops)
        if candidate is not None:
            candidates.append(candidate._replace(regime=regime_name))
    return sorted(candidates, key=lambda c: score_counted(candidate=c, settings=settings)[0], reverse=True)


def _decimal_price(value: float | None) -> Decimal | None:
    return Decimal(repr(value)) if value is not None and math.isfinite(value) else None


def _candidate_for(*, symbol: str, allowed: list[str], scan: ScanResult | None,
                   settings: EntrySettings, stops: dict[tuple[str, str], float]) -> Candidate | None:
    scanner_candidate = None
    price = price_latest(symbol=symbol)
    frame = None
    for name in allowed:
        if name == SCANNER:
            if scan is None:
                continue
            scanner_candidate = candidate_best_side(
                symbol=symbol, long_score=scan.long_score, short_score=scan.short_score,
                long_bonus=scan.ta_long_bonus, short_bonus=scan.ta_short_bonus, scanned_at=scan.computed_at,
                price=price, settings=settings,
            )
            scanner_candidate = scanner_candidate._replace(
                stop=_decimal_price(stops.get((symbol, str(scanner_candidate.side)))))
            if score_counted(candidate=scanner_candidate, settings=settings)[0] >= threshold_for(
                    scanner_candidate.side, settings):
                return scanner_candidate
            continue
        if frame is None:
            frame = candles_frame(symbol=symbol, timeframe="5m", limit=STRATEGY_CANDLES)
        signal = strategy_get(name).generate_signal(frame)
        if signal is not None:
            candle_time = datetime.fromtimestamp(signal.candle_time_ns / 1e9, tz=UTC)
            return Candidate(symbol=symbol, side=signal.side, base_score=round(signal.strength), ta_bonus=0,
                             scanned_at=candle_time, price=price, strategy=name, signal_reason=signal.reason,
                             stop=_decimal_price(signal.stop_loss))
    return scanner_candidate


def market_data_staleness(*, now: datetime) -> str | None:
    """Why the 5m market data is too old to trade on (older than 3 candles), or None if fresh.

    Age is measured on the market's clock (the source's ``market_now``), so a replay of
    history is judged by its own time, not the wall clock.
    """
    from ta.sources import source_from_settings

    newest = Candle.objects.filter(symbol__enabled=True, timeframe="5m").aggregate(newest=Max("open_time"))["newest"]
    if newest is None:
        return "no 5m candles at all"
    market_now = source_from_settings().market_now(wall_now=now)
    age = market_now - (newest + FIVE_MINUTES)
    if age > STALE_AFTER_CANDLES * FIVE_MINUTES:
        return f"newest 5m candle closed {age.total_seconds() / 60:.0f} min ago (limit {STALE_AFTER_CANDLES} candles)"
    return None
