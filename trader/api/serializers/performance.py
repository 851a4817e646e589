"""Live performance of the dry-run and live books (trader.performance_selectors)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from trader.api.serializers.common import CurrencyField, CurrencyQuoteSerializer
from trader.models import Venue


class PerformanceQuerySerializer(serializers.Serializer):
    currency = CurrencyField()
    venue = serializers.ChoiceField(choices=Venue.values, required=False,
                                    help_text="The venue whose books are measured (default: the config's).")


class GroupSerializer(serializers.Serializer):
    trades = serializers.IntegerField(read_only=True)
    wins = serializers.IntegerField(read_only=True)
    win_rate_pct = serializers.FloatField(read_only=True)
    pnl = serializers.FloatField(read_only=True, help_text="Net pnl.")


def _figure(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(read_only=True, allow_null=True, help_text=help_text)


class BookPerformanceSerializer(serializers.Serializer):
    mode = serializers.CharField(read_only=True)
    venue = serializers.CharField(read_only=True)
    start_balance = _figure("The book's starting balance (money figures in the answer's currency).")
    final_equity = _figure("Equity at the last snapshot (or the start plus the realised pnl).")
    total_return_pct = _figure("Final equity over the start, minus 1, %.")
    max_drawdown_pct = _figure("Largest fall from an equity peak, % of the peak.")
    trades = serializers.IntegerField(read_only=True, help_text="Closed trades.")
    win_rate_pct = _figure("Trades with pnl > 0, %.")
    profit_factor = _figure("Gross profit / gross loss (null without a loss).")
    expectancy = _figure("Mean net pnl per trade.")
    sharpe = _figure("Daily returns' mean / standard deviation x sqrt(365).")
    sortino = _figure("Daily returns' mean / downside deviation x sqrt(365).")
    days = _figure("Span of the equity curve, days.")
    per_symbol = serializers.DictField(child=GroupSerializer(), read_only=True)
    per_strategy = serializers.DictField(child=GroupSerializer(), read_only=True)
    equity_curve = serializers.ListField(child=serializers.ListField(), read_only=True,
                                         help_text="[[ISO time, equity], ...]: the daily snapshots.")


class PerformanceSerializer(serializers.Serializer):
    currency = CurrencyQuoteSerializer(read_only=True,
                                       help_text="The currency of the money figures, its rate and date.")
    live = BookPerformanceSerializer(read_only=True, allow_null=True, help_text="Null before the first live cycle.")
    dry_run = BookPerformanceSerializer(read_only=True, allow_null=True, source="dry-run",
                                        help_text="Null before the first dry-run cycle.")


PERFORMANCE_EXAMPLE = OpenApiExample("Dry-run only", response_only=True, value={
    "currency": {"code": "USDT", "rate": "1", "date": None, "source": "base"},
    "live": None,
    "dry_run": {
        "mode": "dry-run", "venue": "coinex", "start_balance": 1000.0, "final_equity": 1080.0,
        "total_return_pct": 8.0, "max_drawdown_pct": 4.55, "trades": 3, "win_rate_pct": 66.67,
        "profit_factor": 2.6, "expectancy": 26.6667, "sharpe": 7.41, "sortino": 16.02, "days": 2.0,
        "per_symbol": {"BTCUSDT": {"trades": 2, "wins": 2, "pnl": 130.0, "win_rate_pct": 100.0}},
        "per_strategy": {"scanner": {"trades": 3, "wins": 2, "pnl": 80.0, "win_rate_pct": 66.67}},
        "equity_curve": [["2026-03-01T18:00:00+00:00", 1100.0], ["2026-03-02T18:00:00+00:00", 1050.0]]}})
