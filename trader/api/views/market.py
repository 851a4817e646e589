"""Market-data and signal reads: symbols, candles, the TA result, the scan; and the health report."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.health import health_report
from ta.analysis_selectors import ta_result_latest
from ta.derivatives_selectors import derivatives_points
from ta.selectors import candles_payload, symbols_enabled
from trader.api.selectors import scan_overview
from trader.api.serializers.common import responses
from trader.api.serializers.market import (
    CANDLES_EXAMPLE,
    DERIVATIVES_LATEST_SCHEMA,
    MARKET_DATA_EXAMPLE,
    SCAN_EXAMPLE,
    TA_EXAMPLE,
    CandleQuerySerializer,
    CandleSerializer,
    DerivativesPointSerializer,
    MarketDataQuerySerializer,
)
from trader.api.views.base import Pages, query_params
from trader.models.config import SYMBOL_PATTERN

SYMBOL_PARAMETER = OpenApiParameter("symbol", str, OpenApiParameter.PATH, pattern=SYMBOL_PATTERN.pattern,
                                    description="Exchange symbol of an enabled coin, e.g. BTCUSDT.")


def _known_symbol(symbol: str) -> str:
    if symbol not in symbols_enabled():
        raise Http404(f"no such symbol: {symbol} (GET /api/v1/symbols lists them)")
    return symbol


class SymbolsView(APIView):
    @extend_schema(tags=["market"], summary="The enabled coins, in display order",
                   responses=responses(OpenApiResponse({"type": "array", "items": {"type": "string"}})),
                   examples=[OpenApiExample("Coins", value=["BTCUSDT", "ETHUSDT", "SOLUSDT"], response_only=True)])
    def get(self, request: Request) -> Response:
        return Response(symbols_enabled())


class CandlesView(APIView):
    @extend_schema(tags=["market"], summary="The newest candles of a symbol, oldest first",
                   parameters=[SYMBOL_PARAMETER, CandleQuerySerializer],
                   responses=responses(CandleSerializer(many=True), errors=(400, 401, 404, 429)),
                   examples=[CANDLES_EXAMPLE])
    def get(self, request: Request, symbol: str) -> Response:
        query = query_params(CandleQuerySerializer, request)
        candles = candles_payload(symbol=_known_symbol(symbol), timeframe=query["timeframe"], limit=query["limit"])
        return Response(CandleSerializer(candles, many=True).data)


class TaResultView(APIView):
    @extend_schema(tags=["market"], summary="The latest TA result of a symbol (the seed's output schema)",
                   description="404 when the symbol is unknown or has not been analysed yet.",
                   parameters=[SYMBOL_PARAMETER],
                   responses=responses(OpenApiTypes.OBJECT, errors=(401, 404, 429)), examples=[TA_EXAMPLE])
    def get(self, request: Request, symbol: str) -> Response:
        result = ta_result_latest(symbol=_known_symbol(symbol))
        if result is None:
            raise Http404(f"{symbol} has no TA result yet")
        return Response(result)


class ScanView(APIView):
    @extend_schema(tags=["market"], summary="Every coin's latest scan: base scores, TA bonus, leverage, or why none",
                   description="Each item also carries `derivatives`: the coin's newest stored open interest, CVD, "
                               "long/short ratios and funding rate (5m rows), null when none are stored.",
                   responses=responses(OpenApiResponse({"type": "array", "items": {
                       "type": "object", "required": ["symbol", "status", "derivatives"],
                       "properties": {"symbol": {"type": "string"}, "status": {"type": "string"},
                                      "derivatives": DERIVATIVES_LATEST_SCHEMA},
                       "additionalProperties": True}})),
                   examples=[SCAN_EXAMPLE])
    def get(self, request: Request) -> Response:
        return Response(scan_overview())


class MarketDataView(ListAPIView):
    serializer_class = DerivativesPointSerializer
    pagination_class = Pages

    @extend_schema(tags=["market"], summary="Stored derivatives data of a symbol: open interest, taker volumes, CVD, "
                                            "long/short ratios, funding (paged, oldest first)",
                   description="Rows of one period (`5m` or `1h`) whose start is within [`from`, `to`] (ISO 8601, "
                               "either may be left out). A series a row lacks is null, never 0. 400 for a bad "
                               "period, a malformed date or `from` after `to`; 404 for an unknown symbol.",
                   parameters=[SYMBOL_PARAMETER, MarketDataQuerySerializer],
                   responses=responses(DerivativesPointSerializer(many=True), errors=(400, 401, 404, 429)),
                   examples=[MARKET_DATA_EXAMPLE])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = query_params(MarketDataQuerySerializer, self.request)
        return derivatives_points(symbol=_known_symbol(self.kwargs["symbol"]), period=query["period"],
                                  start=query.get("from"), end=query.get("to"))


HEALTH_SCHEMA = {
    "type": "object",
    "required": ["status", "healthy", "failing", "checked_at", "components"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unhealthy"]},
        "healthy": {"type": "boolean"},
        "failing": {"type": "array", "items": {"type": "string"}},
        "checked_at": {"type": "string", "format": "date-time"},
        "components": {"type": "object", "additionalProperties": {"type": "object"}},
        "last_market_fetch": {"type": "string", "format": "date-time", "nullable": True},
        "last_ta_scan": {"type": "string", "format": "date-time", "nullable": True},
    },
    "additionalProperties": True,
}
HEALTH_EXAMPLE = OpenApiExample("Healthy", response_only=True, status_codes=["200"], value={
    "status": "ok", "healthy": True, "failing": [], "checked_at": "2026-03-01T12:00:00+00:00",
    "components": {"database": {"status": "up", "detail": "postgresql", "latency_ms": 1.2},
                   "redis": {"status": "up", "detail": "", "latency_ms": 0.4},
                   "celery_worker": {"status": "up", "detail": "1 worker(s) answered", "latency_ms": 12.0},
                   "beat": {"status": "up", "detail": "last tick 4 s ago", "latency_ms": 0.3}},
    "last_market_fetch": "2026-03-01T11:59:30+00:00", "last_ta_scan": "2026-03-01T11:59:32+00:00",
})


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(tags=["health"], summary="Health of database, Redis, worker, beat (no auth)",
                   auth=[], responses={
                       200: OpenApiResponse(HEALTH_SCHEMA, description="Every critical part is up."),
                       503: OpenApiResponse(HEALTH_SCHEMA, description="`failing` names the parts that are down."),
                   },
                   examples=[HEALTH_EXAMPLE])
    def get(self, request: Request) -> Response:
        report = health_report()
        return Response(report, status=200 if report["healthy"] else 503)
