"""The bot's status and the requests that change it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from trader.api.serializers.common import ClosedBodyMixin, StrictJsonMixin
from trader.models import LockKind, TraderMode


class LockSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[k for k in LockKind.values if k], allow_null=True)
    reason = serializers.CharField(allow_null=True)
    locked_at = serializers.DateTimeField(allow_null=True)


class LockfileSerializer(serializers.Serializer):
    path = serializers.CharField(allow_null=True, help_text="Where the lock is mirrored (TRADER_LOCKFILE_DIR).")
    present = serializers.BooleanField(help_text="True while the lockfile exists.")


class StatusSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=TraderMode.values)
    enabled = serializers.BooleanField(help_text="Off: the bot scans but places no orders.")
    state = serializers.ChoiceField(choices=["enabled", "disabled", "locked"])
    locked = serializers.BooleanField()
    lock = LockSerializer()
    lockfile = LockfileSerializer()
    started_at = serializers.DateTimeField(allow_null=True, help_text="When the bot last left paused mode.")
    uptime_s = serializers.IntegerField(allow_null=True, help_text="Seconds since started_at; null when paused.")
    last_cycle_at = serializers.DateTimeField(allow_null=True)
    last_scan_at = serializers.DateTimeField(allow_null=True, help_text="Last TA scan of any symbol.")
    last_trade_at = serializers.DateTimeField(allow_null=True)
    starting_balance = serializers.CharField(allow_null=True)
    equity_peak = serializers.CharField(allow_null=True)
    consecutive_failures = serializers.IntegerField()


STATUS_EXAMPLE = OpenApiExample("Dry-run, enabled", response_only=True, value={
    "mode": "dry-run", "enabled": True, "state": "enabled", "locked": False,
    "lock": {"kind": None, "reason": None, "locked_at": None}, "lockfile": {"path": None, "present": False},
    "started_at": "2026-03-01T09:00:00Z", "uptime_s": 10800, "last_cycle_at": "2026-03-01T11:55:00Z",
    "last_scan_at": "2026-03-01T11:59:30Z", "last_trade_at": "2026-03-01T10:05:00Z", "starting_balance": "1000",
    "equity_peak": "1012.4", "consecutive_failures": 0,
})


class ModeSetSerializer(ClosedBodyMixin, StrictJsonMixin, serializers.Serializer):
    mode = serializers.ChoiceField(choices=TraderMode.values)
    confirm_live = serializers.BooleanField(
        default=False, help_text="Must be true to switch to live (real orders on CoinEx); ignored otherwise.")


MODE_EXAMPLES = [
    OpenApiExample("Paper trading", request_only=True, value={"mode": "dry-run"}),
    OpenApiExample("Live trading (explicitly confirmed)", request_only=True,
                   value={"mode": "live", "confirm_live": True}),
]


class KillSwitchRearmSerializer(ClosedBodyMixin, StrictJsonMixin, serializers.Serializer):
    equity = serializers.DecimalField(
        max_digits=20, decimal_places=8, min_value=0, required=False, allow_null=True, coerce_to_string=False,
        help_text="New drawdown reference (USDT); omitted: the exchange's current equity.")


REARM_EXAMPLE = OpenApiExample("At the current equity", request_only=True, value={})
