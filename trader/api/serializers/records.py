"""Trades, the decision log, cycle summaries and log records, with their query parameters."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from trader.api.logs import CATEGORIES, LEVELS
from trader.models import (
    CloseReason,
    CycleLog,
    CycleOutcome,
    Decision,
    EntryOrder,
    EntryOrderState,
    Side,
    Trade,
    TraderMode,
    Venue,
)
from trader.models.config import SYMBOL_PATTERN


class SymbolField(serializers.RegexField):
    """An exchange symbol such as BTCUSDT."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Exchange symbol, e.g. BTCUSDT.")
        super().__init__(SYMBOL_PATTERN.pattern, max_length=30, **kwargs)


class PagedQuerySerializer(serializers.Serializer):
    """``page`` and ``page_size`` of a paged list (read by the paginator, validated here)."""

    page = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text="Page number, from 1.")
    page_size = serializers.IntegerField(min_value=1, max_value=500, required=False, help_text="Results per page "
                                                                                              "(default 50).")


class TradeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Trade
        fields = ["id", "correlation_id", "symbol", "side", "mode", "venue", "size", "entry_price", "exit_price",
                  "leverage", "margin", "fees", "pnl", "pnl_pct", "opened_at", "closed_at", "close_reason",
                  "stop_loss_price", "take_profit_price", "entry_score", "adopted", "note", "unmanaged_at",
                  "unmanaged_reason"]


class TradeQuerySerializer(PagedQuerySerializer):
    symbol = SymbolField(required=False)
    side = serializers.ChoiceField(choices=Side.values, required=False)
    state = serializers.ChoiceField(choices=["open", "closed"], required=False)
    mode = serializers.ChoiceField(choices=[TraderMode.DRY_RUN, TraderMode.LIVE], required=False)
    venue = serializers.ChoiceField(choices=Venue.values, required=False)
    close_reason = serializers.ChoiceField(choices=CloseReason.values, required=False)
    since = serializers.DateTimeField(required=False, help_text="Opened at or after (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Opened before (ISO 8601).")


class EntryOrderSerializer(serializers.ModelSerializer):
    history = serializers.ListField(child=serializers.DictField(),
                                    help_text="Every transition: at, event, detail (pending, repriced, filled, ...).")
    average_price = serializers.DecimalField(max_digits=28, decimal_places=12, read_only=True, allow_null=True)

    class Meta:
        model = EntryOrder
        fields = ["id", "correlation_id", "symbol", "side", "mode", "venue", "strategy", "score", "leverage",
                  "order_type", "post_only", "signal_price", "limit_price", "amount", "filled_amount",
                  "average_price", "fees", "reprices", "state", "resting", "protection", "stop_price", "trade",
                  "client_id", "exchange_order_id", "detail", "history", "placed_at", "filled_at", "finished_at",
                  "stop_placed_at", "closed_at", "created_at"]


class EntryOrderQuerySerializer(PagedQuerySerializer):
    symbol = SymbolField(required=False)
    state = serializers.ChoiceField(choices=EntryOrderState.values, required=False)
    resting = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text="Only orders that may still fill (true) or only finished ones.")
    mode = serializers.ChoiceField(choices=[TraderMode.DRY_RUN, TraderMode.LIVE], required=False)
    venue = serializers.ChoiceField(choices=Venue.values, required=False)
    since = serializers.DateTimeField(required=False, help_text="Created at or after (ISO 8601).")


class DecisionSerializer(serializers.ModelSerializer):
    verdicts = serializers.ListField(child=serializers.DictField(), help_text="Each rule: rule, passed, detail.")

    class Meta:
        model = Decision
        fields = ["id", "cycle", "correlation_id", "symbol", "side", "base_score", "ta_bonus", "score", "threshold",
                  "verdicts", "outcome", "reason", "at"]


class DecisionQuerySerializer(PagedQuerySerializer):
    symbol = SymbolField(required=False)
    outcome = serializers.ChoiceField(choices=Decision.Outcome.values, required=False)
    cycle = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    since = serializers.DateTimeField(required=False)


class CycleSerializer(serializers.ModelSerializer):
    actions = serializers.ListField(child=serializers.CharField())
    errors = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = CycleLog
        fields = ["id", "started_at", "finished_at", "duration_ms", "mode", "venue", "outcome", "symbols_scanned",
                  "candidates", "actions", "errors", "equity"]


class CycleQuerySerializer(PagedQuerySerializer):
    outcome = serializers.ChoiceField(choices=CycleOutcome.values, required=False)
    since = serializers.DateTimeField(required=False)


class LogEntrySerializer(serializers.Serializer):
    timestamp = serializers.CharField(allow_null=True)
    level = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    logger = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_blank=True)
    metadata = serializers.DictField(help_text="Every other field of the record (correlation_id, symbol...).")


LOGS_EXAMPLE = OpenApiExample("A trade record", response_only=True, value=[{
    "timestamp": "2026-03-01T12:00:01.123456+00:00", "level": "info", "category": "TRADE",
    "logger": "trader.services.positions", "message": "opened long BTCUSDT size 0.003 at 50000",
    "metadata": {"correlation_id": "sig-3f2a9c0d1e2b4a5c", "trade_id": 42},
}])


class LogQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)
    level = serializers.ChoiceField(choices=LEVELS, required=False, help_text="Minimum level.")
    since = serializers.DateTimeField(required=False, help_text="Records at or after (ISO 8601).")
    category = serializers.ChoiceField(choices=CATEGORIES, required=False)


class TradeLogQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)
    level = serializers.ChoiceField(choices=LEVELS, required=False, help_text="Minimum level.")
    since = serializers.DateTimeField(required=False)
