"""Trades, the decision log, cycle summaries (paged) and the JSON log records."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trader.api.logs import logs_recent
from trader.api.selectors import cycles_filtered, decisions_filtered, entry_orders_filtered, trades_filtered
from trader.api.serializers.common import error_response
from trader.api.serializers.records import (
    LOGS_EXAMPLE,
    CycleQuerySerializer,
    CycleSerializer,
    DecisionQuerySerializer,
    DecisionSerializer,
    EntryOrderQuerySerializer,
    EntryOrderSerializer,
    LogEntrySerializer,
    LogQuerySerializer,
    TradeLogQuerySerializer,
    TradeQuerySerializer,
    TradeSerializer,
)
from trader.api.views.base import Pages, query_params

LIST_ERRORS = {400: error_response(400), 401: error_response(401), 404: error_response(404), 429: error_response(429)}

TRADE_EXAMPLE = OpenApiExample("A closed trade", response_only=True, value={
    "count": 1, "next": None, "previous": None, "results": [{
        "id": 42, "correlation_id": "sig-3f2a9c0d1e2b4a5c", "symbol": "BTCUSDT", "side": "long", "mode": "dry-run",
        "venue": "coinex", "size": "0.003000000000", "entry_price": "50000.000000000000",
        "exit_price": "52500.000000000000",
        "leverage": 5, "margin": "30.00000000", "fees": "0.15375000", "pnl": "7.34625000", "pnl_pct": "24.4875",
        "opened_at": "2026-03-01T10:05:00Z", "closed_at": "2026-03-01T11:40:00Z", "close_reason": "tp",
        "stop_loss_price": "49700", "take_profit_price": "50500", "entry_score": 58, "adopted": False, "note": "",
        "unmanaged_at": None, "unmanaged_reason": ""}]})


class TradesView(ListAPIView):
    serializer_class = TradeSerializer
    pagination_class = Pages

    @extend_schema(tags=["records"], summary="Trades, newest first (paged, filtered)",
                   parameters=[TradeQuerySerializer], responses={200: TradeSerializer(many=True), **LIST_ERRORS},
                   examples=[TRADE_EXAMPLE])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return trades_filtered(**query_params(TradeQuerySerializer, self.request))


class EntryOrdersView(ListAPIView):
    serializer_class = EntryOrderSerializer
    pagination_class = Pages

    @extend_schema(tags=["records"], summary="Entry orders: limit entries resting, re-priced, filled, abandoned, "
                                             "and their stop", parameters=[EntryOrderQuerySerializer],
                   responses={200: EntryOrderSerializer(many=True), **LIST_ERRORS},
                   examples=[OpenApiExample("A limit entry filled in part", response_only=True, value={
                       "count": 1, "next": None, "previous": None, "results": [{
                           "id": 4, "correlation_id": "sig-0a1b2c3d4e5f6a7b", "symbol": "BTCUSDT", "side": "long",
                           "mode": "dry-run", "venue": "coinex", "strategy": "scanner", "score": 70, "leverage": 5,
                           "order_type": "limit", "post_only": True, "signal_price": "50100",
                           "limit_price": "50049.9", "amount": "0.005", "filled_amount": "0.0025",
                           "average_price": "50049.9", "fees": "0.0375", "reprices": 1, "state": "partially_filled",
                           "resting": False, "protection": "stop_placed", "stop_price": "49749.6", "trade": 12,
                           "client_id": "cte0f1e2d3c4b5a69788796a5b4", "exchange_order_id": "100000007",
                           "detail": "timed out after 300s with 0.0025 filled", "history": [
                               {"at": "2026-03-01T12:00:00Z", "event": "pending", "detail": "limit 0.005 at 49950"},
                               {"at": "2026-03-01T12:05:00Z", "event": "repriced", "detail": "re-priced to 50049.9"},
                               {"at": "2026-03-01T12:06:00Z", "event": "partially_filled", "detail": "0.0025 of 0.005"},
                               {"at": "2026-03-01T12:06:00Z", "event": "stop_placed", "detail": "stop 49749.6"}],
                           "placed_at": "2026-03-01T12:05:00Z", "filled_at": "2026-03-01T12:06:00Z",
                           "finished_at": "2026-03-01T12:10:00Z", "stop_placed_at": "2026-03-01T12:06:00Z",
                           "closed_at": None, "created_at": "2026-03-01T12:00:00Z"}]})])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return entry_orders_filtered(**query_params(EntryOrderQuerySerializer, self.request))


class DecisionsView(ListAPIView):
    serializer_class = DecisionSerializer
    pagination_class = Pages

    @extend_schema(tags=["records"], summary="The decision log: every candidate, each rule's verdict, the outcome",
                   parameters=[DecisionQuerySerializer], responses={200: DecisionSerializer(many=True), **LIST_ERRORS},
                   examples=[OpenApiExample("A skipped long", response_only=True, value={
                       "count": 1, "next": None, "previous": None, "results": [{
                           "id": 7, "cycle": 3, "correlation_id": "sig-0a1b2c3d4e5f6a7b", "symbol": "ETHUSDT",
                           "side": "long", "base_score": 44, "ta_bonus": 0, "score": 44, "threshold": 45,
                           "verdicts": [{"rule": "threshold", "passed": False, "detail": "44 < 45"}],
                           "outcome": "skipped", "reason": "score 44 below the long threshold 45",
                           "at": "2026-03-01T12:00:02Z"}]})])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return decisions_filtered(**query_params(DecisionQuerySerializer, self.request))


class CyclesView(ListAPIView):
    serializer_class = CycleSerializer
    pagination_class = Pages

    @extend_schema(tags=["records"], summary="Cycle summaries: scanned, candidates, actions, errors",
                   parameters=[CycleQuerySerializer], responses={200: CycleSerializer(many=True), **LIST_ERRORS},
                   examples=[OpenApiExample("One cycle", response_only=True, value={
                       "count": 1, "next": None, "previous": None, "results": [{
                           "id": 3, "started_at": "2026-03-01T12:00:00Z", "finished_at": "2026-03-01T12:00:02Z",
                           "duration_ms": 1840, "mode": "dry-run", "venue": "coinex", "outcome": "ok",
                           "symbols_scanned": 29,
                           "candidates": 2, "actions": ["opened long BTCUSDT"], "errors": [],
                           "equity": "1004.32000000"}]})])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return cycles_filtered(**query_params(CycleQuerySerializer, self.request))


class LogsView(APIView):
    @extend_schema(tags=["logs"], summary="Recent structured log records, newest first",
                   parameters=[LogQuerySerializer],
                   responses={200: LogEntrySerializer(many=True), 400: error_response(400),
                              401: error_response(401), 429: error_response(429)}, examples=[LOGS_EXAMPLE])
    def get(self, request: Request) -> Response:
        return Response(LogEntrySerializer(logs_recent(**query_params(LogQuerySerializer, request)), many=True).data)


class TradeLogsView(APIView):
    @extend_schema(tags=["logs"], summary="Trade log records (category TRADE), newest first",
                   parameters=[TradeLogQuerySerializer],
                   responses={200: LogEntrySerializer(many=True), 400: error_response(400),
                              401: error_response(401), 429: error_response(429)}, examples=[LOGS_EXAMPLE])
    def get(self, request: Request) -> Response:
        entries = logs_recent(category="TRADE", **query_params(TradeLogQuerySerializer, request))
        return Response(LogEntrySerializer(entries, many=True).data)
