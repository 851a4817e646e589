"""The dashboard control-suite routes (``/api/trader/...``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from trader.api.serializers.account import AccountSerializer, PositionSerializer
from trader.api.serializers.common import CloseOutcomeSerializer, StrictJsonMixin
from trader.api.serializers.config import ConfigSerializer
from trader.api.serializers.records import (
    CycleSerializer,
    DecisionSerializer,
    LogEntrySerializer,
    SymbolField,
    TradeSerializer,
)
from trader.api.serializers.status import StatusSerializer
from trader.api.services import ControlAction
from trader.models import TraderMode


class ExchangeStateSerializer(serializers.Serializer):
    available = serializers.BooleanField()
    detail = serializers.CharField(allow_null=True, help_text="Why positions and balance are null.")


class TraderOverviewSerializer(serializers.Serializer):
    status = StatusSerializer()
    config = ConfigSerializer()
    positions = PositionSerializer(many=True, allow_null=True)
    balance = AccountSerializer(allow_null=True)
    exchange = ExchangeStateSerializer()


class ControlSerializer(StrictJsonMixin, serializers.Serializer):
    action = serializers.ChoiceField(choices=[a.value for a in ControlAction])
    mode = serializers.ChoiceField(
        choices=[TraderMode.DRY_RUN, TraderMode.LIVE], required=False,
        help_text="start only: switch to this mode first (live also needs confirm_live).")
    confirm_live = serializers.BooleanField(default=False, help_text="Must be true to start in live mode.")


CONTROL_EXAMPLES = [
    OpenApiExample("Start paper trading", request_only=True, value={"action": "start", "mode": "dry-run"}),
    OpenApiExample("Emergency stop", request_only=True, value={"action": "emergency-stop"}),
    OpenApiExample("Clear the lockfile", request_only=True, value={"action": "clear-lockfile"}),
]


class ControlResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    status = StatusSerializer()
    outcomes = CloseOutcomeSerializer(many=True, required=False, help_text="emergency-stop only.")


class ClosePositionSerializer(StrictJsonMixin, serializers.Serializer):
    symbol = SymbolField()


class TraderLogsQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50, help_text="Per list.")


class TraderLogsSerializer(serializers.Serializer):
    trades = TradeSerializer(many=True, help_text="Every open and close, newest first.")
    errors = LogEntrySerializer(many=True, help_text="Log records at error level or above.")
    signals = DecisionSerializer(many=True, help_text="Signals and whether they were acted on.")
    cycles = CycleSerializer(many=True, help_text="Cycle summaries.")
