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


class BookSerializer(serializers.Serializer):
    mode = serializers.CharField()
    venue = serializers.CharField()


class UnmanagedPositionSerializer(serializers.Serializer):
    trade_id = serializers.IntegerField()
    symbol = serializers.CharField()
    side = serializers.CharField()
    mode = serializers.CharField()
    venue = serializers.CharField()
    size = serializers.CharField()
    entry_price = serializers.CharField()
    opened_at = serializers.DateTimeField()
    unmanaged_at = serializers.DateTimeField()
    reason = serializers.CharField()


class VenueStatusSerializer(serializers.Serializer):
    venue = serializers.CharField()
    state = serializers.ChoiceField(choices=["reduce_only", "closed", "suspended", "unknown"])
    label = serializers.CharField(help_text="What the header pill says, e.g. 'ETHUSDT reduce_only'.")
    reason = serializers.CharField()
    markets = serializers.DictField(child=serializers.CharField(), help_text="Markets not open, with their state.")
    key = serializers.CharField()
    checked_at = serializers.DateTimeField()


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
    venue = serializers.CharField(help_text="The exchange the bot trades on (config).")
    book = BookSerializer(allow_null=True, help_text="The active book (mode, venue); null when paused.")
    starting_balance = serializers.CharField(allow_null=True, help_text="The active book's kill-switch reference.")
    equity_peak = serializers.CharField(allow_null=True, help_text="The active book's highest equity seen.")
    consecutive_failures = serializers.IntegerField()
    unmanaged_positions = UnmanagedPositionSerializer(
        many=True, help_text="Open positions of another book left unmanaged by a switch: no cycle manages them.")
    venue_status = VenueStatusSerializer(
        allow_null=True, help_text="Live only: why the venue takes no entries (closed, reduce-only); null when open.")


STATUS_EXAMPLE = OpenApiExample("Dry-run, enabled", response_only=True, value={
    "mode": "dry-run", "enabled": True, "state": "enabled", "locked": False,
    "lock": {"kind": None, "reason": None, "locked_at": None}, "lockfile": {"path": None, "present": False},
    "started_at": "2026-03-01T09:00:00Z", "uptime_s": 10800, "last_cycle_at": "2026-03-01T11:55:00Z",
    "last_scan_at": "2026-03-01T11:59:30Z", "last_trade_at": "2026-03-01T10:05:00Z", "venue": "coinex",
    "book": {"mode": "dry-run", "venue": "coinex"}, "starting_balance": "1000", "equity_peak": "1012.4",
    "consecutive_failures": 0, "unmanaged_positions": [], "venue_status": None,
})


OPEN_POSITIONS_HELP = (
    "Needed when another book (mode, venue) still has open positions: close (close them first on their own "
    "exchange) or leave (leave them open and unmanaged, recorded and alerted). Without it such a switch is "
    "refused (409, code open_positions) naming the positions.")


class ModeSetSerializer(ClosedBodyMixin, StrictJsonMixin, serializers.Serializer):
    mode = serializers.ChoiceField(choices=TraderMode.values)
    confirm_live = serializers.BooleanField(
        default=False, help_text="Must be true to switch to live (real orders on CoinEx); ignored otherwise.")
    open_positions = serializers.ChoiceField(choices=["close", "leave"], required=False, help_text=OPEN_POSITIONS_HELP)


MODE_EXAMPLES = [
    OpenApiExample("Paper trading", request_only=True, value={"mode": "dry-run"}),
    OpenApiExample("Live trading (explicitly confirmed)", request_only=True,
                   value={"mode": "live", "confirm_live": True}),
    OpenApiExample("Back to paper, leaving the live positions unmanaged", request_only=True,
                   value={"mode": "dry-run", "open_positions": "leave"}),
]


class KillSwitchRearmSerializer(ClosedBodyMixin, StrictJsonMixin, serializers.Serializer):
    equity = serializers.DecimalField(
        max_digits=20, decimal_places=8, required=False, allow_null=True, coerce_to_string=False,
        help_text="Optional cross-check (USDT): the reference is always the equity the exchange reports now; a "
                  "value that is not positive or more than 2 % away from it is refused.")

    def validate_equity(self, value):
        if value is not None and value <= 0:
            raise serializers.ValidationError("must be a positive equity in USDT (omit it to use the exchange's)")
        return value


REARM_EXAMPLE = OpenApiExample("At the current equity", request_only=True, value={})
