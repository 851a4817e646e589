"""The futures account, open positions and each venue's credentials (masked)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import serializers

from coinex.credentials import ConnectionStatus
from trader.api.serializers.common import ClosedBodyMixin, CurrencyQuoteSerializer, StrictJsonMixin
from trader.models.books import Venue


def money(help_text: str, *, allow_null: bool = False) -> serializers.DecimalField:
    """A decimal amount, as an exact decimal string."""
    return serializers.DecimalField(max_digits=None, decimal_places=None, allow_null=allow_null,
                                    help_text=help_text, read_only=True)


class LoadSerializer(serializers.Serializer):
    positions = serializers.IntegerField(read_only=True, help_text="Open positions.")
    margin = money("Margin they hold (the exposure).")
    notional = money("Amount x entry price.")
    risk = money("Loss if every stop is hit, from the entry, before fees.")
    exposure_pct = money("Margin, % of equity.", allow_null=True)
    heat_pct = money("Risk, % of equity.", allow_null=True)


class AllocationSerializer(serializers.Serializer):
    total = LoadSerializer(read_only=True)
    strategies = serializers.DictField(child=LoadSerializer(), read_only=True,
                                       help_text="Each strategy with open positions, by name.")


class AccountSerializer(serializers.Serializer):
    currency = CurrencyQuoteSerializer(read_only=True,
                                       help_text="The currency of the money figures, its rate and date.")
    mode = serializers.CharField(read_only=True, help_text="dry-run (paper exchange) or live (CoinEx).")
    asset = serializers.CharField(read_only=True)
    available = money("Free balance.")
    frozen = money("Held by open orders.")
    margin = money("Margin in use by positions.")
    unrealized_pnl = money("Unrealised PnL of the open positions.")
    equity = money("available + frozen + margin + unrealized_pnl.")
    starting_balance = money("Equity when trading started (kill-switch reference).", allow_null=True)
    equity_peak = money("Highest equity seen.", allow_null=True)
    drawdown_pct = money("Drawdown from the kill switch's reference, %.")
    kill_switch_drawdown_pct = money("The kill switch latches at this drawdown, %.")
    kill_switch_distance_pct = money("How far the drawdown is from the trigger, percentage points.")
    open_risk = money("Loss if every open position's stop is hit, from the entries, before fees.")
    portfolio_heat_pct = money("Portfolio heat: open_risk, % of equity.", allow_null=True)
    max_portfolio_heat_pct = money("No entry may take the heat above this, %.")
    allocation = AllocationSerializer(read_only=True, help_text="Open margin, notional and risk per strategy.")
    at = serializers.DateTimeField(read_only=True)


ACCOUNT_EXAMPLE = OpenApiExample("Dry-run account", response_only=True, value={
    "currency": {"code": "USDT", "rate": "1", "date": None, "source": "base"},
    "mode": "dry-run", "asset": "USDT", "available": "850.12", "frozen": "0", "margin": "150.00",
    "unrealized_pnl": "4.20", "equity": "1004.32", "starting_balance": "1000", "equity_peak": "1010.5",
    "drawdown_pct": "0.00", "kill_switch_drawdown_pct": "50.00", "kill_switch_distance_pct": "50.00",
    "open_risk": "4.50", "portfolio_heat_pct": "0.45", "max_portfolio_heat_pct": "6.00",
    "allocation": {
        "total": {"positions": 3, "margin": "150.00", "notional": "750.00", "risk": "4.50", "exposure_pct": "14.94",
                  "heat_pct": "0.45"},
        "strategies": {"scanner": {"positions": 3, "margin": "150.00", "notional": "750.00", "risk": "4.50",
                                   "exposure_pct": "14.94", "heat_pct": "0.45"}}},
    "at": "2026-03-01T12:00:00Z",
})


class PositionSerializer(serializers.Serializer):
    symbol = serializers.CharField(read_only=True)
    side = serializers.ChoiceField(choices=["long", "short"], read_only=True)
    amount = money("Base-asset amount (always positive).")
    entry_price = money("Average entry price.")
    mark_price = money("Current mark price.")
    leverage = serializers.IntegerField(read_only=True)
    margin_mode = serializers.ChoiceField(choices=["isolated", "cross"], read_only=True)
    margin = money("Margin of the position.")
    unrealized_pnl = money("Unrealised PnL.")
    pnl_pct = money("Unrealised PnL, % of margin.")
    liquidation_price = money("Estimated liquidation price.", allow_null=True)
    take_profit_price = money("Take-profit trigger on the exchange.", allow_null=True)
    stop_loss_price = money("Stop-loss trigger on the exchange.", allow_null=True)


POSITIONS_EXAMPLE = OpenApiExample("One long", response_only=True, value=[{
    "symbol": "BTCUSDT", "side": "long", "amount": "0.003", "entry_price": "50000", "mark_price": "50500",
    "leverage": 5, "margin_mode": "isolated", "margin": "30", "unrealized_pnl": "1.5", "pnl_pct": "5.00",
    "liquidation_price": "40400", "take_profit_price": "50500", "stop_loss_price": "49700",
}])


VENUE_CHOICES = ["coinex", "binance", "binance_usdm"]  # coinex.venue.venue_parse's spellings


class VenueQuerySerializer(serializers.Serializer):
    venue = serializers.ChoiceField(choices=VENUE_CHOICES, required=False, default="coinex",
                                    help_text="The venue whose credentials are meant (binance_usdm = binance).")


VENUE_PARAMETER = OpenApiParameter(
    "venue", str, OpenApiParameter.QUERY, required=False, enum=VENUE_CHOICES,
    description="The venue whose credentials are meant: coinex (default) or binance (binance_usdm accepted).",
)


class CredentialsSummarySerializer(serializers.Serializer):
    venue = serializers.ChoiceField(choices=Venue.choices, read_only=True)
    configured = serializers.BooleanField(read_only=True)
    source = serializers.ChoiceField(choices=["environment", "database", "none"], read_only=True,
                                     help_text="The environment's credentials take precedence over stored ones.")
    access_id_masked = serializers.CharField(read_only=True, allow_null=True, help_text="Never the whole id.")
    base_url = serializers.CharField(read_only=True)
    can_store = serializers.BooleanField(read_only=True, help_text="False without CREDENTIALS_ENCRYPTION_KEY.")
    error = serializers.CharField(read_only=True, allow_null=True)


CREDENTIALS_EXAMPLE = OpenApiExample("Stored credentials", response_only=True, value={
    "venue": "coinex", "configured": True, "source": "database", "access_id_masked": "AB12****WXYZ",
    "base_url": "https://api.coinex.com/v2", "can_store": True, "error": None,
})


CREDENTIAL_PATTERN = r"^[!-~]{1,200}$"  # printable ASCII, no spaces: what CoinEx issues (hex) and more


class CredentialsUpdateSerializer(ClosedBodyMixin, StrictJsonMixin, serializers.Serializer):
    access_id = serializers.RegexField(CREDENTIAL_PATTERN, max_length=200, write_only=True,
                                       help_text="The access id (CoinEx) or API key (Binance), printable ASCII.")
    secret_key = serializers.RegexField(CREDENTIAL_PATTERN, max_length=200, write_only=True,
                                        help_text="The secret key; stored encrypted, never shown again.")


CREDENTIALS_UPDATE_EXAMPLE = OpenApiExample("New key pair", request_only=True,
                                            value={"access_id": "AB12CD34EF56WXYZ", "secret_key": "…"})


class ConnectionTestSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s.value for s in ConnectionStatus], read_only=True)
    message = serializers.CharField(read_only=True)


CONNECTION_EXAMPLE = OpenApiExample("Connected", response_only=True,
                                    value={"status": "ok", "message": "connected; equity 1004.32 USDT"})
