"""Market data and TA reads: symbols, candles, the seed TA result, the scan."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from ta.timeframes import TIMEFRAME_DURATIONS

MAX_CANDLES = 1000


class CandleSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    open_time = serializers.CharField(help_text="ISO 8601, UTC.")
    open_time_ms = serializers.IntegerField()
    open = serializers.CharField(help_text="Decimal string.")
    high = serializers.CharField()
    low = serializers.CharField()
    close = serializers.CharField()
    volume = serializers.CharField()
    is_closed = serializers.BooleanField(help_text="False for the still-forming candle.")


CANDLES_EXAMPLE = OpenApiExample("One 5m candle", response_only=True, value=[{
    "symbol": "BTCUSDT", "timeframe": "5m", "open_time": "2026-03-01T12:00:00Z", "open_time_ms": 1772366400000,
    "open": "67200.1", "high": "67250", "low": "67180.5", "close": "67231.9", "volume": "12.345", "is_closed": True,
}])


class CandleQuerySerializer(serializers.Serializer):
    timeframe = serializers.ChoiceField(choices=list(TIMEFRAME_DURATIONS), default="5m")
    limit = serializers.IntegerField(min_value=1, max_value=MAX_CANDLES, default=200,
                                     help_text="Newest candles, oldest first in the answer.")


TA_EXAMPLE = OpenApiExample("Seed TA result", response_only=True, value={
    "symbol": "BTCUSDT", "timestamp": "2026-03-01T12:00:00Z",
    "ema_ribbon": {"state_5m": "bullish", "state_1h": "bullish", "spread_5m": 72.5, "spread_1h": 85.3,
                   "values": [67200, 67150, 67050, 66900, 66700, 66400]},
    "ttm_squeeze": {"squeeze": True, "momentum": 0.45, "direction": "bullish", "bars_in_squeeze": 8,
                    "timeframe": "5m"},
    "stoch_rsi_divergence": {"divergence": "none", "strength": 0, "candles_ago": 0, "stoch_k": 45.2,
                             "stoch_d": 42.1},
    "composite_score_adjustment": {"long_bonus": 25, "short_bonus": 0,
                                   "reasoning": ["EMA ribbon bullish aligned (+10)", "TTM squeeze bullish (+15)"]},
})

SCAN_EXAMPLE = OpenApiExample("Scan entries", response_only=True, value=[
    {"symbol": "BTCUSDT", "status": "ok", "timestamp": "2026-03-01T12:00:00Z", "long_score": 52, "short_score": 8,
     "ta_long_bonus": 25, "ta_short_bonus": 0, "direction": "long", "suggested_leverage": 5},
    {"symbol": "XYZUSDT", "status": "insufficient_data", "reason": "only 40 5m candles (needs 100)"},
])
