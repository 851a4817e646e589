"""Admin for the trader: the config (audited edits), the status, the audit log and the records (read-only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from trader.models import (
    ApiKey,
    ApiKeyScope,
    AuditEntry,
    AuditVia,
    BacktestRun,
    BacktestStudy,
    BookLedger,
    CycleLog,
    Decision,
    EntryOrder,
    EquitySnapshot,
    OrderIntent,
    Trade,
    TraderConfig,
    TraderStatus,
)
from trader.services.actor import Actor
from trader.services.config import config_get, config_update


class SingletonAdmin(admin.ModelAdmin):
    """One row: the list view opens it; nothing to add or delete."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        obj = self.singleton()
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        return HttpResponseRedirect(url)

    def singleton(self):
        raise NotImplementedError


@admin.register(TraderConfig)
class TraderConfigAdmin(SingletonAdmin):
    readonly_fields = ("updated_at",)
    fieldsets = (
        ("Venue", {"fields": ("venue",)}),
        ("Position sizing", {"fields": ("sizing_mode", "position_size_pct", "risk_per_trade_pct", "max_positions",
                                        "max_leverage", "leverage_rules")}),
        ("Allocation", {"fields": ("max_strategy_exposure_pct", "max_total_exposure_pct", "max_portfolio_heat_pct",
                                   "uncertain_risk_factor")}),
        ("Exits", {"fields": ("tp_pct", "sl_pct", "trailing_stop")}),
        ("Entry orders", {"fields": ("entry_order_type", "limit_offset_pct", "limit_post_only", "limit_timeout_s",
                                     "limit_max_reprices", "limit_abandon_pct")}),
        ("Safety", {"fields": ("kill_switch_drawdown_pct", "kill_switch_reference", "circuit_breaker_threshold")}),
        ("Signals", {"fields": ("scan_interval_minutes", "long_threshold", "short_threshold", "use_ta_signals",
                                "ta_bonus_cap", "strategies", "use_regime_mapping")}),
        ("Coins", {"fields": ("coin_whitelist", "coin_blacklist")}),
        (None, {"fields": ("updated_at",)}),
    )

    def singleton(self):
        return config_get()

    def save_model(self, request, obj, form, change):
        """Save through the service, so the change is validated, audited and announced."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            config_update(changes=changes, actor=Actor.for_user(request.user, via=AuditVia.ADMIN))
        except ValidationError as error:  # the form validated already; a race is reported, not raised
            messages.error(request, f"not saved: {error}")


@admin.register(TraderStatus)
class TraderStatusAdmin(SingletonAdmin):
    """Read-only: mode, locks and on/off change through the trader page or the API (audited)."""

    def singleton(self):
        from trader.services.status import status_get

        return status_get()

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "via", "action", "field", "old_value", "new_value")
    list_filter = ("via", "action")
    search_fields = ("actor", "action", "field", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """API keys: created here (the key is shown once, on creation), revoked here, never readable."""

    list_display = ("name", "key_prefix", "scope", "revoked", "created_at", "last_used_at")
    list_filter = ("scope", "revoked")
    search_fields = ("name", "prefix")
    readonly_fields = ("key_prefix", "created_at", "last_used_at")
    actions = ("revoke",)

    @admin.display(description="key starts with")
    def key_prefix(self, obj: ApiKey) -> str:
        return f"ctk_{obj.prefix}_…" if obj.prefix else "-"

    def get_readonly_fields(self, request, obj=None):
        # The name is what the audit log shows: fixed once the key exists.
        return (*self.readonly_fields, "name") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        """A new key is made by the service (random, hashed); its plain form is shown once."""
        if change:
            super().save_model(request, obj, form, change)
            return
        from trader.api.keys import api_key_create

        issued = api_key_create(name=obj.name, read_only=obj.scope == ApiKeyScope.READ_ONLY,
                                actor=Actor.for_user(request.user, via=AuditVia.ADMIN))
        obj.pk, obj.prefix, obj.key_hash = issued.api_key.pk, issued.api_key.prefix, issued.api_key.key_hash
        obj.created_at, obj.revoked = issued.api_key.created_at, issued.api_key.revoked
        obj._state.adding = False
        messages.warning(request, f"API key {obj.name!r}: {issued.plain_key} — copy it now: it is shown only "
                                  "once and cannot be read back.")

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        from trader.api.keys import api_key_revoke

        actor = Actor.for_user(request.user, via=AuditVia.ADMIN)
        count = sum(api_key_revoke(name=name, actor=actor) for name in queryset.values_list("name", flat=True))
        messages.success(request, f"revoked {count} key(s)")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the bot writes; people read them here, the services change them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdmin):
    list_display = ("opened_at", "symbol", "side", "strategy", "leverage", "entry_price", "exit_price", "pnl",
                    "pnl_pct", "close_reason", "mode", "venue", "unmanaged_at")
    list_filter = ("side", "close_reason", "mode", "venue", "strategy")
    search_fields = ("symbol", "correlation_id")
    date_hierarchy = "opened_at"


@admin.register(EquitySnapshot)
class EquitySnapshotAdmin(ReadOnlyAdmin):
    list_display = ("day", "mode", "venue", "equity", "at")
    list_filter = ("mode", "venue")
    date_hierarchy = "day"


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("at", "symbol", "side", "strategy", "score", "threshold", "outcome", "reason")
    list_filter = ("outcome", "side", "strategy")
    search_fields = ("symbol", "correlation_id", "reason")


@admin.register(CycleLog)
class CycleLogAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "mode", "venue", "outcome", "duration_ms", "symbols_scanned", "candidates",
                    "equity")
    list_filter = ("outcome", "mode", "venue")


@admin.register(OrderIntent)
class OrderIntentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "mode", "venue", "symbol", "purpose", "side", "amount", "state", "client_id",
                    "exchange_order_id")
    list_filter = ("state", "purpose", "mode", "venue")
    search_fields = ("symbol", "client_id", "correlation_id")


@admin.register(EntryOrder)
class EntryOrderAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "mode", "venue", "symbol", "side", "order_type", "limit_price", "amount",
                    "filled_amount", "reprices", "state", "protection")
    list_filter = ("mode", "venue", "state", "protection", "order_type")
    search_fields = ("symbol", "client_id", "correlation_id")


@admin.register(BookLedger)
class BookLedgerAdmin(ReadOnlyAdmin):
    """Each book's kill-switch references (reset only by a re-arm)."""

    list_display = ("mode", "venue", "starting_balance", "equity_peak", "updated_at")


@admin.register(BacktestRun)
class BacktestRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "strategy", "timeframe", "status", "progress_pct", "start", "end")
    list_filter = ("status", "strategy")

    def has_delete_permission(self, request, obj=None):
        return True  # old runs may be cleared


@admin.register(BacktestStudy)
class BacktestStudyAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "status", "finished_at")

    def has_delete_permission(self, request, obj=None):
        return True
