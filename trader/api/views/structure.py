"""Structure-engine reads (issue 9, seed trading-support): signals, S/R levels, swings, regimes.

Thin shells over ``ta.structure_selectors``, which shape every body as the seed's example
responses; a selector's None is a 404, its ValueError (a bad filter) never reaches here
because the query serializers refuse bad values first.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ta.derivatives_selectors import derivatives_latest_one, derivatives_period_for
from ta.structure_selectors import (
    regime_latest,
    regimes_latest,
    signal_latest,
    signals_list,
    signals_summary,
    sr_levels,
    swings,
)
from ta.timeframes import PLATFORM_TIMEFRAMES
from trader.api.serializers.common import responses
from trader.api.serializers.market import DERIVATIVES_LATEST_EXAMPLE
from trader.api.views.base import query_params
from trader.models.config import SYMBOL_PATTERN

MAX_LIMIT = 500
SYMBOL_PARAMETER = OpenApiParameter("symbol", str, OpenApiParameter.PATH, pattern=SYMBOL_PATTERN.pattern,
                                    description="Exchange symbol, e.g. BTCUSDT.")

SIGNAL_EXAMPLE = {
    "symbol": "BTCUSDT", "market_score": 72, "direction": "long", "price": 101950.0, "entry1": 101718.0,
    "entry2": 101540.0, "sl": 101062.0, "tp1": 103200.0, "tp2": 104100.0, "tp3": 105000.0,
    "swing_high": 105000.0, "swing_low": 98800.0, "support_level": 100500.0, "resistance_level": 104800.0,
    "confluence": "OB,SR,RSI,FIB", "risk_reward_ratio": 2.32, "confidence_score": 68.5,
    "timeframe": "1h", "state": "entry_zone", "timestamp": "2026-03-01T12:00:00Z",
}


class SignalsQuery(serializers.Serializer):
    symbol = serializers.RegexField(SYMBOL_PATTERN.pattern, required=False)
    direction = serializers.ChoiceField(choices=["long", "short"], required=False)
    timeframe = serializers.ChoiceField(choices=list(PLATFORM_TIMEFRAMES), required=False)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=50)


class TimeframeQuery(serializers.Serializer):
    timeframe = serializers.ChoiceField(choices=list(PLATFORM_TIMEFRAMES), default="1h")


class SwingsQuery(TimeframeQuery):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=50)


def _found(body, what: str):
    if body is None:
        raise Http404(what)
    return body


class SignalsView(APIView):
    @extend_schema(tags=["signals"], summary="Trading signals, newest first", parameters=[SignalsQuery],
                   responses=responses({"type": "array", "items": {"type": "object"}}, errors=(400, 401, 429)),
                   examples=[OpenApiExample("A long signal", value=[SIGNAL_EXAMPLE], response_only=True)])
    def get(self, request: Request) -> Response:
        return Response(signals_list(**query_params(SignalsQuery, request)))


class SignalLatestView(APIView):
    @extend_schema(tags=["signals"], summary="The latest signal of a symbol", parameters=[SYMBOL_PARAMETER],
                   description="The signal body, plus `derivatives`: the symbol's newest stored open interest, "
                               "CVD, long/short ratios and funding of the period its confluence reads (5m for a "
                               "5m signal, else 1h); null when none are stored.",
                   responses=responses(OpenApiTypes.OBJECT, errors=(401, 404, 429)),
                   examples=[OpenApiExample("Latest", response_only=True, value={
                       **SIGNAL_EXAMPLE, "derivatives": {**DERIVATIVES_LATEST_EXAMPLE, "period": "1h",
                                                         "time": "2026-03-01T11:00:00Z"}})])
    def get(self, request: Request, symbol: str) -> Response:
        signal = _found(signal_latest(symbol=symbol), f"no signal for {symbol}")
        period = derivatives_period_for(signal["timeframe"])
        return Response({**signal, "derivatives": derivatives_latest_one(symbol=signal["symbol"], period=period)})


class SignalsSummaryView(APIView):
    @extend_schema(tags=["signals"], summary="Counts and averages over all signals, and per symbol",
                   responses=responses(OpenApiTypes.OBJECT),
                   examples=[OpenApiExample("Summary", response_only=True, value={
                       "total_signals": 12, "long_signals": 7, "short_signals": 5, "active_signals": 3,
                       "avg_market_score": 61.2, "avg_confidence_score": 55.0,
                       "latest_signal_at": "2026-03-01T12:00:00Z",
                       "symbols": [{"symbol": "BTCUSDT", "signals": 2, "active_signals": 1, "avg_market_score": 70.5}],
                   })])
    def get(self, request: Request) -> Response:
        return Response(signals_summary())


class SRLevelsView(APIView):
    @extend_schema(tags=["signals"], summary="Support and resistance levels of a symbol",
                   parameters=[SYMBOL_PARAMETER, TimeframeQuery],
                   responses=responses(OpenApiTypes.OBJECT, errors=(400, 401, 404, 429)),
                   examples=[OpenApiExample("Levels", response_only=True, value={
                       "symbol": "BTCUSDT", "timeframe": "1h", "computed_at": "2026-03-01T12:00:00Z",
                       "levels": [{"price": 100500.0, "type": "support", "strength": 80, "touches": 4,
                                   "is_active": True, "origin": "swing_low", "zone_low": 100350.0,
                                   "zone_high": 100650.0, "first_touch": "2026-02-27T08:00:00Z",
                                   "last_touch": "2026-03-01T06:00:00Z"}],
                   })])
    def get(self, request: Request, symbol: str) -> Response:
        query = query_params(TimeframeQuery, request)
        return Response(_found(sr_levels(symbol=symbol, **query), f"no such symbol: {symbol}"))


class SwingsView(APIView):
    @extend_schema(tags=["signals"], summary="Confirmed swing highs and lows of a symbol, newest first",
                   parameters=[SYMBOL_PARAMETER, SwingsQuery],
                   responses=responses(OpenApiTypes.OBJECT, errors=(400, 401, 404, 429)),
                   examples=[OpenApiExample("Swings", response_only=True, value={
                       "symbol": "BTCUSDT", "timeframe": "1h",
                       "swings": [{"timestamp": "2026-03-01T06:00:00Z", "type": "high", "price": 105000.0,
                                   "strength": 5}],
                   })])
    def get(self, request: Request, symbol: str) -> Response:
        query = query_params(SwingsQuery, request)
        return Response(_found(swings(symbol=symbol, **query), f"no such symbol: {symbol}"))


REGIME_EXAMPLE = {
    "symbol": "BTCUSDT", "timeframe": "1h", "regime": "trending_up", "strategy": "supertrend", "status": "ok",
    "reason": "", "adx": 31.4, "plus_di": 28.2, "minus_di": 14.9, "atr_pct": 0.8123, "atr_pct_percentile": 55.0,
    "bb_width": 0.02132, "bb_width_percentile": 48.0, "compressed": False, "timestamp": "2026-03-01T11:00:00Z",
    "computed_at": "2026-03-01T12:00:05Z",
}


class RegimesView(APIView):
    # A list, though its schema is a plain array: name it so, apart from /regimes/{symbol}'s retrieve.
    @extend_schema(tags=["signals"], summary="The market regime of every enabled coin", parameters=[TimeframeQuery],
                   operation_id="api_v1_regimes_list",
                   responses=responses({"type": "array", "items": {"type": "object"}}, errors=(400, 401, 429)),
                   examples=[OpenApiExample("Regimes", value=[REGIME_EXAMPLE], response_only=True)])
    def get(self, request: Request) -> Response:
        return Response(regimes_latest(**query_params(TimeframeQuery, request)))


class RegimeView(APIView):
    @extend_schema(tags=["signals"], summary="The market regime of a symbol",
                   parameters=[SYMBOL_PARAMETER, TimeframeQuery],
                   responses=responses(OpenApiTypes.OBJECT, errors=(400, 401, 404, 429)),
                   examples=[OpenApiExample("Regime", value=REGIME_EXAMPLE, response_only=True)])
    def get(self, request: Request, symbol: str) -> Response:
        query = query_params(TimeframeQuery, request)
        return Response(_found(regime_latest(symbol=symbol, **query), f"no regime for {symbol}"))
