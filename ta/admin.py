"""Admin for market data: the symbol universe is edited here (takes effect at the next fetch)."""

from __future__ import annotations

from django.contrib import admin

from ta.models import (
    Candle,
    ConfluenceFactor,
    DerivativesPoint,
    FibConfig,
    FibonacciLevels,
    MarketFeedState,
    MarketRegime,
    ScanResult,
    SRLevel,
    SwingPoint,
    Symbol,
    TAResult,
    TradingSignal,
)


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
    ordering = ("-open_time",)
    # Millions of rows: no date hierarchy (a DISTINCT over every date) and no full COUNT(*).
    show_full_result_count = False


@admin.register(DerivativesPoint)
class DerivativesPointAdmin(admin.ModelAdmin):
    list_display = ("symbol", "period", "time", "open_interest_value", "cvd", "global_long_short_ratio",
                    "top_long_short_position_ratio", "funding_rate", "source")
    list_filter = ("period", "source", "symbol")
    list_select_related = ("symbol",)
    ordering = ("-time",)
    readonly_fields = ("updated_at",)
    show_full_result_count = False  # ~30 days x 288 rows x coins, plus the candles' taker history


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


@admin.register(FibConfig)
class FibConfigAdmin(admin.ModelAdmin):
    """The one Fibonacci configuration: edited here, read by the next structure scan (a ratio set that
    cannot make a sane setup is refused by the form)."""

    fieldsets = (
        ("Long setup", {"fields": ("long_entry1", "long_entry2", "long_stop", "long_approaching",
                                   "long_tp1", "long_tp2", "long_tp3")}),
        ("Short setup", {"fields": ("short_entry1", "short_entry2", "short_stop", "short_approaching",
                                    "short_tp1", "short_tp2", "short_tp3")}),
        ("Pullback", {"fields": ("pullback_start", "updated_at")}),
    )
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request) -> bool:
        return not FibConfig.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ConfluenceFactorInline(admin.TabularInline):
    model = ConfluenceFactor
    extra = 0
    can_delete = False
    readonly_fields = ("code", "score", "weight", "detail")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TradingSignal)
class TradingSignalAdmin(AnalysisResultAdmin):
    list_display = ("symbol", "timeframe", "direction", "state", "market_score", "confidence_score", "price",
                    "entry1", "sl", "tp1", "confluence", "risk_reward_ratio", "updated_at")
    list_filter = ("direction", "timeframe", "state")
    inlines = (ConfluenceFactorInline,)


@admin.register(SRLevel)
class SRLevelAdmin(AnalysisResultAdmin):
    list_display = ("symbol", "timeframe", "kind", "price", "touches", "strength", "is_active", "computed_at")
    list_filter = ("timeframe", "kind", "is_active")


@admin.register(SwingPoint)
class SwingPointAdmin(AnalysisResultAdmin):
    list_display = ("symbol", "timeframe", "kind", "price", "open_time", "strength")
    list_filter = ("timeframe", "kind")
    show_full_result_count = False


@admin.register(FibonacciLevels)
class FibonacciLevelsAdmin(AnalysisResultAdmin):
    list_display = ("symbol", "timeframe", "direction", "state", "swing_low", "swing_high", "entry1", "stop",
                    "computed_at")
    list_filter = ("timeframe", "direction", "state")


@admin.register(MarketRegime)
class MarketRegimeAdmin(AnalysisResultAdmin):
    list_display = ("symbol", "timeframe", "regime", "adx", "atr_pct_percentile", "bb_width_percentile",
                    "compressed", "status", "computed_at")
    list_filter = ("timeframe", "regime", "status")
