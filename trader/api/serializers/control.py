"""The dashboard control-suite routes (``/api/trader/...``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from trader.api.serializers.account import AccountSerializer, PositionSerializer
from trader.api.serializers.common import ClosedBodyMixin, CloseOutcomeSerializer, StrictJsonMixin
from trader.api.serializers.config import ConfigSerializer
from trader.api.serializers.records import (
    CycleSerializer,
    DecisionSerializer,
    LogEntrySerializer,
    SymbolField,
    TradeSerializer,
)
from trader.api.serializers.status import OPEN_POSITIONS_HELP, StatusSerializer
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


class ControlSerializer(ClosedBodyMixin, StrictJsonMixin, serializers.Serializer):
    action = serializers.ChoiceField(choices=[a.value for a in ControlAction])
    mode = serializers.ChoiceField(
        choices=[TraderMode.DRY_RUN, TraderMode.LIVE], required=False,
        help_text="start only: switch to this mode first (live also needs confirm_live).")
    confirm_live = serializers.BooleanField(default=False, help_text="Must be true to start in live mode.")
    open_positions = serializers.ChoiceField(choices=["close", "leave"], required=False,
                                             help_text="start with mode only: " + OPEN_POSITIONS_HELP)


CONTROL_EXAMPLES = [
    OpenApiExample("Start paper trading", request_only=True, value={"action": "start", "mode": "dry-run"}),
    OpenApiExample("Emergency stop", request_only=True, value={"action": "emergency-stop"}),
    OpenApiExample("Clear the lockfile", request_only=True, value={"action": "clear-lockfile"}),
]


CONTROL_RESULT_EXAMPLE = OpenApiExample("Stopped", response_only=True, value={
    "action": "stop",
    "status": {"mode": "dry-run", "enabled": False, "state": "disabled", "locked": False,
               "lock": {"kind": None, "reason": None, "locked_at": None}, "lockfile": {"path": None, "present": False},
               "started_at": "2026-03-01T09:00:00Z", "uptime_s": 10800, "last_cycle_at": "2026-03-01T11:55:00Z",
               "last_scan_at": "2026-03-01T11:59:30Z", "last_trade_at": None, "venue": "coinex",
               "book": {"mode": "dry-run", "venue": "coinex"}, "starting_balance": "1000",
               "equity_peak": "1000", "consecutive_failures": 0, "unmanaged_positions": []},
})


class ControlResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    status = StatusSerializer()
    outcomes = CloseOutcomeSerializer(many=True, required=False, help_text="emergency-stop only.")


class ClosePositionSerializer(ClosedBodyMixin, StrictJsonMixin, serializers.Serializer):
    symbol = SymbolField()


class TraderLogsQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50, help_text="Per list.")


class TraderLogsSerializer(serializers.Serializer):
    trades = TradeSerializer(many=True, help_text="Every open and close, newest first.")
    errors = LogEntrySerializer(many=True, help_text="Log records at error level or above.")
    signals = DecisionSerializer(many=True, help_text="Signals and whether they were acted on.")
    cycles = CycleSerializer(many=True, help_text="Cycle summaries.")


CLOSE_EXAMPLE = OpenApiExample("Closed", response_only=True,
                               value={"symbol": "BTCUSDT", "closed": True, "detail": "closed", "pnl": "12.48"})
CLOSE_REQUEST_EXAMPLE = OpenApiExample("Close BTCUSDT", request_only=True, value={"symbol": "BTCUSDT"})

OVERVIEW_PAUSED_EXAMPLE = OpenApiExample("Paused: no exchange in use", response_only=True, value={
    "status": {"mode": "paused", "enabled": True, "state": "enabled", "locked": False,
               "lock": {"kind": None, "reason": None, "locked_at": None}, "lockfile": {"path": None, "present": False},
               "started_at": None, "uptime_s": None, "last_cycle_at": None, "last_scan_at": "2026-03-01T11:59:30Z",
               "last_trade_at": None, "venue": "coinex", "book": None, "starting_balance": None, "equity_peak": None,
               "consecutive_failures": 0, "unmanaged_positions": []},
    "config": {"venue": "coinex", "position_size_pct": 5.0, "max_positions": 3, "max_leverage": 10,
               "leverage_rules": {"60+": 7, "default": 5}, "kill_switch_drawdown_pct": 50.0,
               "kill_switch_reference": "starting_balance", "tp_pct": 5.0, "sl_pct": 3.0, "trailing_stop": True,
               "circuit_breaker_threshold": 3, "scan_interval_minutes": 5, "long_threshold": 45,
               "short_threshold": 50, "coin_whitelist": [], "coin_blacklist": [], "use_ta_signals": False,
               "ta_bonus_cap": 30},
    "positions": None, "balance": None,
    "exchange": {"available": False, "detail": "the trader is paused: switch to dry-run or live to act on positions"},
})

TRADER_LOGS_EXAMPLE = OpenApiExample("Quiet so far", response_only=True, value={
    "trades": [], "signals": [], "cycles": [],
    "errors": [{"timestamp": "2026-03-01T12:00:01+00:00", "level": "error", "category": "TRADE",
                "logger": "trader.services.positions", "message": "could not close ETHUSDT: order rejected",
                "metadata": {}}],
})
