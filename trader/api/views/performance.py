"""GET /performance: the live and dry-run books' figures, measured with the backtester's metric code."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trader.api.serializers.common import responses
from trader.api.serializers.performance import (
    PERFORMANCE_EXAMPLE,
    PerformanceQuerySerializer,
    PerformanceSerializer,
)
from trader.api.views.base import query_params
from trader.fx.convert import rate_quote
from trader.performance_selectors import performance_by_mode
from trader.services.config import config_get


class PerformanceView(APIView):
    @extend_schema(tags=["records"], summary="Live performance of the live and dry-run books, apart",
                   description="Win rate, profit factor, Sharpe, Sortino, max drawdown, expectancy and per-symbol "
                               "and per-strategy tables from the book's closed trades and daily equity snapshots, "
                               "computed by the backtester's metric code. ``currency`` converts the money figures "
                               "(400 for an unknown one; 503 when the rate source cannot be read).",
                   parameters=[PerformanceQuerySerializer],
                   responses=responses(PerformanceSerializer, errors=(400, 401, 429, 503)),
                   examples=[PERFORMANCE_EXAMPLE])
    def get(self, request: Request) -> Response:
        query = query_params(PerformanceQuerySerializer, request)
        quote = rate_quote(query["currency"])
        figures = performance_by_mode(venue=query.get("venue") or config_get().venue, quote=quote)
        return Response(PerformanceSerializer({"currency": quote.as_dict(), **figures}).data)
