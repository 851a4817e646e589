"""Market data and TA reads: symbols, candles, the seed TA result, the scan."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from ta.timeframes import TIMEFRAME_DURATIONS
from trader.api.serializers.records import PagedQuerySerializer

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

DERIVATIVES_LATEST_EXAMPLE = {
    "period": "5m", "time": "2026-03-01T11:55:00Z", "open_interest": "81234.512", "open_interest_value": "5498765432.1",
    "cvd": "-12345678.9", "global_long_short_ratio": "1.8421", "top_long_short_account_ratio": "1.5312",
    "top_long_short_position_ratio": "1.1034", "funding_rate": "0.0001",
    "open_interest_change_24h_pct": 3.42,
}
SCAN_EXAMPLE = OpenApiExample("Scan entries", response_only=True, value=[
    {"symbol": "BTCUSDT", "status": "ok", "timestamp": "2026-03-01T12:00:00Z", "long_score": 52, "short_score": 8,
     "ta_long_bonus": 25, "ta_short_bonus": 0, "direction": "long", "suggested_leverage": 5,
     "derivatives": DERIVATIVES_LATEST_EXAMPLE},
    {"symbol": "XYZUSDT", "status": "insufficient_data", "reason": "only 40 5m candles (needs 100)",
     "derivatives": None},
])


DERIVATIVES_LATEST_SCHEMA = {
    "type": "object", "nullable": True,
    "description": "The newest stored derivatives values (each series' newest non-empty one among the newest 36 "
                   "rows, decimal strings), null when the symbol has none.",
    "properties": {
        "period": {"type": "string", "enum": ["5m", "1h"]},
        "time": {"type": "string", "format": "date-time", "description": "Start of the newest stored row."},
        **{name: {"type": "string", "format": "decimal", "nullable": True} for name in (
            "open_interest", "open_interest_value", "cvd", "global_long_short_ratio",
            "top_long_short_account_ratio", "top_long_short_position_ratio", "funding_rate")},
        "open_interest_change_24h_pct": {
            "type": "number", "nullable": True,
            "description": "Open interest (USDT) against the row 24 h before the newest, in %."},
    },
}


def _series_field(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=30, decimal_places=12, allow_null=True, help_text=help_text)


class DerivativesPointSerializer(serializers.Serializer):
    """One stored derivatives row (``ta.derivatives_selectors.derivatives_point_payload``): decimals as
    plain strings, null where the row has no value for a series (never 0)."""

    time = serializers.DateTimeField(help_text="Start of the period (UTC).")
    open_interest = _series_field("Open interest in contracts.")
    open_interest_value = _series_field("Open interest in USDT.")
    taker_buy_volume = _series_field("Taker buy volume in the period, USDT.")
    taker_sell_volume = _series_field("Taker sell volume in the period, USDT.")
    cvd = _series_field("Cumulative taker buy minus sell volume, USDT.")
    global_long_short_ratio = _series_field("Global long/short account ratio.")
    top_long_short_account_ratio = _series_field("Top traders' long/short account ratio.")
    top_long_short_position_ratio = _series_field("Top traders' long/short position ratio.")
    funding_rate = _series_field("Last funding rate settled at or before the period's start (0.0001 = 0.01 %).")
    source = serializers.CharField(help_text="The source that wrote the row (binance_usdm, simulated).")

    def to_representation(self, instance):
        from ta.derivatives_selectors import derivatives_point_payload

        return derivatives_point_payload(instance)


class MarketDataQuerySerializer(PagedQuerySerializer):
    """``period`` (5m or 1h), and ``from``/``to`` (ISO 8601 datetimes, inclusive; either may be left out)."""

    period = serializers.ChoiceField(choices=["5m", "1h"], default="5m", help_text="Period of the rows.")

    def get_fields(self):
        fields = super().get_fields()  # "from" is a Python keyword: declared here, not as attributes
        fields["from"] = serializers.DateTimeField(required=False, help_text="Oldest row start, ISO 8601 (UTC).")
        fields["to"] = serializers.DateTimeField(required=False, help_text="Newest row start, ISO 8601 (UTC).")
        return fields

    def validate(self, attrs):
        if "from" in attrs and "to" in attrs and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["must not be after 'to'"]})
        return attrs


MARKET_DATA_EXAMPLE = OpenApiExample("Two 1h rows", response_only=True, value={
    "count": 2, "next": None, "previous": None, "results": [
        {"time": "2026-03-01T10:00:00Z", "open_interest": "81002.1", "open_interest_value": "5481234567.8",
         "taker_buy_volume": "401234567.1", "taker_sell_volume": "398765432.9", "cvd": "-14814814.1",
         "global_long_short_ratio": "1.8512", "top_long_short_account_ratio": "1.5401",
         "top_long_short_position_ratio": "1.1102", "funding_rate": "0.0001", "source": "binance_usdm"},
        {"time": "2026-03-01T11:00:00Z", "open_interest": "81234.512", "open_interest_value": "5498765432.1",
         "taker_buy_volume": "350123456.7", "taker_sell_volume": "347654321.5", "cvd": "-12345678.9",
         "global_long_short_ratio": "1.8421", "top_long_short_account_ratio": None,
         "top_long_short_position_ratio": None, "funding_rate": "0.0001", "source": "binance_usdm"},
    ]})
