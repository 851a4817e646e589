"""Candle timeframes and their durations (Binance interval names); no Django imports."""

from __future__ import annotations

from datetime import timedelta

TIMEFRAME_DURATIONS = {
    "1m": timedelta(minutes=1),
    "3m": timedelta(minutes=3),
    "5m": timedelta(minutes=5),
    "15m": timedelta(minutes=15),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "4h": timedelta(hours=4),
    "6h": timedelta(hours=6),
    "8h": timedelta(hours=8),
    "12h": timedelta(hours=12),
    "1d": timedelta(days=1),
}
# The timeframes the platform fetches: 5m every 30 s, 1h and 4h every 5 min (seed platform-v3).
FAST_TIMEFRAMES = ("5m",)
SLOW_TIMEFRAMES = ("1h", "4h")
PLATFORM_TIMEFRAMES = FAST_TIMEFRAMES + SLOW_TIMEFRAMES


def timeframe_duration(timeframe: str) -> timedelta:
    """The length of one candle of ``timeframe`` ("5m", "1h", ...); ValueError when unknown."""
    try:
        return TIMEFRAME_DURATIONS[timeframe]
    except KeyError:
        raise ValueError(f"unknown timeframe {timeframe!r}; known: {', '.join(TIMEFRAME_DURATIONS)}") from None
