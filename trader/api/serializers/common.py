"""Shapes shared by every endpoint: the error body, close outcomes, a datetime query field."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="Stable machine-readable code: invalid, not_authenticated, "
                                           "permission_denied, not_found, conflict, throttled, exchange_unavailable...")
    message = serializers.CharField(help_text="What went wrong, for a person.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), allow_null=True,
        help_text="400 only: each invalid field and its messages.",
    )


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers has this shape."""

    error = ErrorDetailSerializer()


_ERROR_EXAMPLES = {
    400: ("Validation error", "invalid", "tp_pct: Ensure this value is less than or equal to 1000.",
          {"tp_pct": ["Ensure this value is less than or equal to 1000."]}),
    401: ("No credentials", "not_authenticated", "Authentication credentials were not provided.", None),
    403: ("Read-only key", "permission_denied",
          "this API key is read-only: writes need a key with the full scope", None),
    404: ("Not found", "not_found", "no such symbol: FOOUSDT", None),
    409: ("Refused by the trader's state", "conflict",
          "the trader is locked (circuit breaker: 3 consecutive failures); clear the lock first", None),
    429: ("Throttled", "throttled", "Request was throttled. Expected available in 42 seconds.", None),
    503: ("Exchange unreachable", "exchange_unavailable", "CoinEx did not answer within 10 s", None),
}
_ERROR_DESCRIPTIONS = {
    400: "Invalid input; `error.fields` names each invalid field.",
    401: "No or invalid credentials (X-API-Key header or session).",
    403: "Authenticated but not allowed: a read-only key on a write, or a session without CSRF token.",
    404: "No such resource.",
    409: "Refused: conflicts with the trader's state or the safety rules (the message says why).",
    429: "Throttled; retry after the `Retry-After` header's seconds.",
    503: "The exchange (or a part the report names) is unreachable; retry later.",
}


def error_response(status_code: int) -> OpenApiResponse:
    """The documented error response for one status, with its example."""
    summary, code, message, fields = _ERROR_EXAMPLES[status_code]
    example = OpenApiExample(summary, value={"error": {"status": status_code, "code": code, "message": message,
                                                       "fields": fields}}, response_only=True,
                             status_codes=[str(status_code)])
    return OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[status_code], examples=[example])


READ_ERRORS = (401, 429)
WRITE_ERRORS = (400, 401, 403, 409, 429)


def responses(ok: object, *, errors: tuple[int, ...] = READ_ERRORS, status_code: int = 200) -> dict:
    """``responses=`` for ``extend_schema``: the success shape and the documented errors."""
    documented: dict = {status_code: ok}
    for code in errors:
        documented[code] = error_response(code)
    return documented


class CloseOutcomeSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    closed = serializers.BooleanField()
    detail = serializers.CharField(help_text="closed, or why the close failed.")
    pnl = serializers.CharField(allow_null=True, help_text="Realised PnL net of fees (USDT, decimal string).")


class CloseOutcomesSerializer(serializers.Serializer):
    outcomes = CloseOutcomeSerializer(many=True)


OUTCOMES_EXAMPLE = OpenApiExample(
    "Two positions closed", response_only=True,
    value={"outcomes": [{"symbol": "BTCUSDT", "closed": True, "detail": "closed", "pnl": "12.48"},
                        {"symbol": "ETHUSDT", "closed": False, "detail": "order rejected (code 3109)", "pnl": None}]},
)


def _json_type_matches(field: serializers.Field, value: object) -> bool:
    """True when ``value`` has the JSON type the field documents (DRF alone would coerce
    "5" to 5, 0 to false and 7 to "7": a client's mistake would pass unnoticed)."""
    if value is None:
        return True  # allow_null decides
    if isinstance(field, serializers.BooleanField):
        return isinstance(value, bool)
    if isinstance(value, bool):
        return isinstance(field, serializers.JSONField)
    if isinstance(field, serializers.IntegerField):
        return isinstance(value, int)
    if isinstance(field, serializers.DecimalField):
        return isinstance(value, str) if field.coerce_to_string else isinstance(value, int | float)
    if isinstance(field, serializers.FloatField):
        return isinstance(value, int | float)
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return isinstance(value, str)
    if isinstance(field, serializers.ListField):
        return isinstance(value, list)
    if isinstance(field, serializers.DictField):
        return isinstance(value, dict)
    return True


JSON_TYPE_NAMES = {serializers.BooleanField: "true or false", serializers.IntegerField: "a whole number",
                   serializers.ListField: "a list", serializers.DictField: "an object"}


class StrictJsonMixin:
    """A body serializer that refuses a value of the wrong JSON type with a 400 naming the field."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                if name in data and not field.read_only and not _json_type_matches(field, data[name]):
                    expected = next((text for kind, text in JSON_TYPE_NAMES.items() if isinstance(field, kind)),
                                    "a value of the documented type")
                    errors[name] = [f"must be {expected}"]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class ClosedBodyMixin:
    """A request body that refuses a field it does not know: a misspelt field would otherwise be
    ignored and a different action run than the one asked for (``{"action": "stop", "mode": ...}``
    is fine, ``{"action": "stop", "force": true}`` is not)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        return super().to_internal_value(data)


class ClosedBodySchema(OpenApiSerializerExtension):
    """Documents that these bodies refuse unknown fields (``additionalProperties: false``)."""

    target_class = ClosedBodyMixin
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


class CurrencyField(serializers.ChoiceField):
    """``currency``: USDT (the default, the platform's own unit), CHF or EUR (trader.fx)."""

    def __init__(self, **kwargs):
        from trader.fx.providers import CURRENCIES

        kwargs.setdefault("help_text", "Money figures in this currency: USDT (default), CHF or EUR, at the rate "
                                       "source's reference rate (its rate and date are in the answer's currency).")
        super().__init__(choices=list(CURRENCIES), required=False, default="USDT",
                         error_messages={"invalid_choice": f"unknown currency \"{{input}}\": one of "
                                                           f"{', '.join(CURRENCIES)}"}, **kwargs)


class CurrencyQuerySerializer(serializers.Serializer):
    currency = CurrencyField()


class CurrencyQuoteSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text="USDT, CHF or EUR.")
    rate = serializers.DecimalField(max_digits=None, decimal_places=None, read_only=True,
                                    help_text="Units of this currency per USDT (USDT is taken at par with USD).")
    date = serializers.DateField(read_only=True, allow_null=True, help_text="The day the rate is for (null: USDT).")
    source = serializers.CharField(read_only=True, help_text="base (USDT), fixed (configured) or ecb.")
