"""The runtime config (read, partial update) and its change history."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, extend_schema_field
from rest_framework import serializers

from trader.api.serializers.common import StrictJsonMixin
from trader.models import AuditEntry, TraderConfig
from trader.models.config import (
    MAX_EXCHANGE_LEVERAGE,
    SYMBOL_PATTERN,
    validate_leverage_rules,
    validate_symbol_list,
)

DECIMAL_FIELDS = ("position_size_pct", "kill_switch_drawdown_pct", "tp_pct", "sl_pct", "risk_per_trade_pct",
                  "max_strategy_exposure_pct", "max_total_exposure_pct", "max_portfolio_heat_pct",
                  "uncertain_risk_factor", "limit_offset_pct", "limit_abandon_pct")


LEVERAGE_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_EXCHANGE_LEVERAGE}


@extend_schema_field({
    "type": "object", "required": ["default"], "properties": {"default": LEVERAGE_SCHEMA},
    "additionalProperties": LEVERAGE_SCHEMA,
    # OpenAPI 3.0 has no propertyNames: the key rule is stated here and enforced by the validator.
    "description": 'Leverage by score bracket: {"<min score 0-100>+": leverage, ..., "default": leverage}.',
    "example": {"60+": 7, "default": 5},
})
class LeverageRulesField(serializers.JSONField):
    """``leverage_rules``, validated by the model's own validator."""

    def __init__(self, **kwargs):
        super().__init__(validators=[validate_leverage_rules], **kwargs)


@extend_schema_field({"type": "array", "uniqueItems": True,
                      "items": {"type": "string", "pattern": SYMBOL_PATTERN.pattern, "maxLength": 24}})
class SymbolListField(serializers.JSONField):
    """A list of distinct exchange symbols, validated by the model's own validator."""

    def __init__(self, **kwargs):
        super().__init__(validators=[validate_symbol_list], **kwargs)


class ConfigSerializer(StrictJsonMixin, serializers.ModelSerializer):
    """Every editable config field; on input each is optional (a partial update) and an
    unknown field is an error, not silently ignored. Percentages are numbers: 5.0 = 5 %."""

    leverage_rules = LeverageRulesField(required=False)
    coin_whitelist = SymbolListField(required=False)
    coin_blacklist = SymbolListField(required=False)

    class Meta:
        model = TraderConfig
        fields = TraderConfig.editable_field_names()
        # More decimals than stored (5.123 %) are refused with the reason, never silently rounded.
        extra_kwargs = {name: {"coerce_to_string": False} for name in DECIMAL_FIELDS}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["unknown config field"] for name in unknown})
        return super().to_internal_value(data)


class ConfigSerializerSchema(OpenApiSerializerExtension):
    """Documents that the config body refuses unknown fields (``additionalProperties: false``)."""

    target_class = ConfigSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


CONFIG_EXAMPLE_VALUE = {
    "position_size_pct": 5.0, "max_positions": 3, "max_leverage": 10, "leverage_rules": {"60+": 7, "default": 5},
    "kill_switch_drawdown_pct": 50.0, "kill_switch_reference": "starting_balance", "tp_pct": 5.0, "sl_pct": 3.0,
    "trailing_stop": True, "circuit_breaker_threshold": 3, "scan_interval_minutes": 5, "long_threshold": 45,
    "short_threshold": 50, "coin_whitelist": [], "coin_blacklist": [], "use_ta_signals": False, "ta_bonus_cap": 30,
    "sizing_mode": "margin_pct", "risk_per_trade_pct": 1.0, "max_strategy_exposure_pct": 25.0,
    "max_total_exposure_pct": 100.0, "max_portfolio_heat_pct": 6.0, "uncertain_risk_factor": 0.0,
    "entry_order_type": "market", "limit_offset_pct": 0.05, "limit_post_only": True, "limit_timeout_s": 300,
    "limit_max_reprices": 2, "limit_abandon_pct": 1.0,
}
CONFIG_EXAMPLE = OpenApiExample("The defaults", value=CONFIG_EXAMPLE_VALUE, response_only=True)
CONFIG_PATCH_EXAMPLE = OpenApiExample(
    "Tighter exits, fewer positions", request_only=True,
    value={"tp_pct": 4.0, "sl_pct": 2.5, "max_positions": 2, "coin_blacklist": ["DOGEUSDT"]},
)


class ConfigHistoryEntrySerializer(serializers.ModelSerializer):
    """One audited config change: who, when, through what, old -> new."""

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "via", "field", "old_value", "new_value"]


CONFIG_HISTORY_EXAMPLE = OpenApiExample(
    "One change", response_only=True,
    value=[{"id": 17, "at": "2026-03-01T12:00:00Z", "actor": "api-key:ops", "via": "api", "field": "tp_pct",
            "old_value": "5", "new_value": "4"}],
)


class HistoryQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100, help_text="Newest entries, 1-1000.")
