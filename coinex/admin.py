"""Admin: paper accounts (with a reset action) and stored credentials (masked, never shown)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from coinex.credentials import credentials_summary
from coinex.models import PaperAccount, StoredCredentials
from coinex.paper.services import paper_account_reset


@admin.register(PaperAccount)
class PaperAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "starting_balance", "wallet", "positions", "updated_at", "reset_at")
    readonly_fields = ("name", "wallet", "positions", "state", "created_at", "updated_at", "reset_at")
    fields = ("name", "starting_balance", "wallet", "positions", "reset_at", "updated_at", "created_at", "state")
    actions = ("reset_accounts",)

    @admin.display(description="wallet (USDT, excl. unrealized PnL)")
    def wallet(self, account: PaperAccount) -> str:
        return f"{account.wallet:f}"

    @admin.display(description="open positions")
    def positions(self, account: PaperAccount) -> str:
        return ", ".join(account.open_positions) or "-"

    @admin.action(description="Reset to the starting balance (closes every paper position and order)")
    def reset_accounts(self, request: HttpRequest, queryset: QuerySet[PaperAccount]) -> None:
        for account in queryset:
            paper_account_reset(name=account.name)
        self.message_user(request, f"{queryset.count()} paper account(s) reset.", messages.SUCCESS)


@admin.register(StoredCredentials)
class StoredCredentialsAdmin(admin.ModelAdmin):
    """Shows only the masked summary; credentials are set through the settings page or API."""

    list_display = ("__str__", "venue", "masked_access_id", "source_in_force", "updated_at")
    fields = ("venue", "masked_access_id", "source_in_force", "updated_at")
    readonly_fields = fields

    @admin.display(description="access id")
    def masked_access_id(self, obj: StoredCredentials) -> str:
        return str(credentials_summary(venue=obj.venue)["access_id_masked"] or "-")

    @admin.display(description="credentials in force from")
    def source_in_force(self, obj: StoredCredentials) -> str:
        return str(credentials_summary(venue=obj.venue)["source"])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StoredCredentials | None = None) -> bool:
        return False
