"""What the cycle reads from the analysis side: the latest scan and the market data's age.

Read from the database (``ta``'s ScanResult and Candle rows), so the trader works with
Redis down. Nothing here recomputes a score.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max

from ta.models import Candle, ScanResult, ScanStatus
from ta.selectors import price_latest
from trader.cycle.rules import Candidate, EntrySettings, candidate_best_side

FIVE_MINUTES = timedelta(minutes=5)
STALE_AFTER_CANDLES = 3


def scan_candidates(*, settings: EntrySettings) -> list[Candidate]:
    """Each enabled symbol's best side from its latest usable scan, strongest first."""
    candidates = []
    rows = ScanResult.objects.filter(symbol__enabled=True, status=ScanStatus.OK).select_related("symbol")
    for row in rows:
        candidates.append(candidate_best_side(
            symbol=row.symbol.symbol, long_score=row.long_score, short_score=row.short_score,
            long_bonus=row.ta_long_bonus, short_bonus=row.ta_short_bonus, scanned_at=row.computed_at,
            price=price_latest(symbol=row.symbol.symbol), settings=settings,
        ))
    return sorted(candidates, key=lambda c: c.base_score + (c.ta_bonus if settings.use_ta_signals else 0),
                  reverse=True)


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
