"""Admin for market data: the symbol universe is edited here (takes effect at the next fetch)."""

from __future__ import annotations

from django.contrib import admin

from ta.models import Candle, MarketFeedState, ScanResult, Symbol, TAResult


@admin.register(Symbol)
class SymbolAdmin(admin.ModelAdmin):
    list_display = ("symbol", "enabled", "display_order", "source_symbol", "source_price_divisor", "coinex_market")
    list_editable = ("enabled", "display_order")
    list_filter = ("enabled",)
    search_fields = ("symbol", "source_symbol", "coinex_market")
    ordering = ("display_order", "symbol")


@admin.register(Candle)
class CandleAdmin(admin.ModelAdmin):
    list_display = ("symbol", "timeframe", "open_time", "open", "high", "low", "close", "volume", "is_closed")
    list_filter = ("timeframe", "is_closed", "symbol")
    list_select_related = ("symbol",)
    date_hierarchy = "open_time"
    ordering = ("-open_time",)
    show_full_result_count = False  # COUNT(*) over millions of candles on every page is slow


@admin.register(MarketFeedState)
class MarketFeedStateAdmin(admin.ModelAdmin):
    list_display = ("source", "last_fetch_at", "blocked_until", "region_blocked_url", "replay_start", "replay_speed")
    readonly_fields = ("updated_at",)


class AnalysisResultAdmin(admin.ModelAdmin):
    """Analysis rows are written by the scan only: shown read-only."""

    list_select_related = ("symbol",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScanResult)
class ScanResultAdmin(AnalysisResultAdmin):
    list_display = (
        "symbol", "status", "long_score", "ta_long_bonus", "short_score", "ta_short_bonus", "direction",
        "suggested_leverage", "candle_time", "computed_at", "reason",
    )
    list_filter = ("status", "direction")


@admin.register(TAResult)
class TAResultAdmin(AnalysisResultAdmin):
    list_display = ("symbol", "candle_time", "computed_at")
