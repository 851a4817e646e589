"""One stable JSON error shape for the whole API, produced by one DRF exception handler.

Every error answers ``{"error": {"status", "code", "message", "fields"}}``: ``fields``
maps a field to its messages for a 400, and is null otherwise. The services' own
exceptions are translated here, once: a refused control action is a 409 with the
reason, an unreachable exchange a 503, bad input a 400 (never a 500).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from coinex.credentials import CredentialsError
from coinex.errors import ExchangeAuthError, ExchangeError, ExchangeTemporaryError, OrderRejected, VenueUnavailable
from config.logging import Category
from trader.fx.providers import FxUnavailable
from trader.services.status import ControlRefused, OpenPositionsChoiceRequired

logger = logging.getLogger(__name__)

EXCHANGE_RETRY_AFTER_S = 30

# (exception type, HTTP status, code) for the services' exceptions, most specific first.
_DOMAIN_ERRORS: tuple[tuple[type[Exception], int, str], ...] = (
    (OpenPositionsChoiceRequired, status.HTTP_409_CONFLICT, "open_positions"),
    (ControlRefused, status.HTTP_409_CONFLICT, "conflict"),
    (VenueUnavailable, status.HTTP_409_CONFLICT, "venue_unavailable"),
    (CredentialsError, status.HTTP_409_CONFLICT, "credentials"),
    (ExchangeAuthError, status.HTTP_409_CONFLICT, "exchange_auth"),
    (OrderRejected, status.HTTP_409_CONFLICT, "order_rejected"),
    (ExchangeTemporaryError, status.HTTP_503_SERVICE_UNAVAILABLE, "exchange_unavailable"),
    (ExchangeError, status.HTTP_503_SERVICE_UNAVAILABLE, "exchange_error"),
    (FxUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE, "rates_unavailable"),
)


# An error never echoes a large input back: each text is cut to this many characters, and at
# most this many fields (and messages per field) are named.
# (At most ~7 KB whatever the request held.)
MAX_MESSAGE_CHARS = 600  # room for a message of ours that names what to do; never a whole echoed value
MAX_FIELD_NAME_CHARS = 80
MAX_FIELDS = 10
MAX_MESSAGES_PER_FIELD = 3


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


def _bounded_fields(fields: dict[str, Any]) -> dict[str, Any]:
    bounded: dict[str, Any] = {}
    for name, messages in list(fields.items())[:MAX_FIELDS]:
        items = messages if isinstance(messages, list) else [messages]
        bounded[_cut(str(name), MAX_FIELD_NAME_CHARS)] = [
            _cut(str(message), MAX_MESSAGE_CHARS) for message in items[:MAX_MESSAGES_PER_FIELD]]
    if len(fields) > MAX_FIELDS:
        bounded["..."] = [f"and {len(fields) - MAX_FIELDS} more fields"]
    return bounded


def error_body(*, status_code: int, code: str, message: str, fields: dict[str, Any] | None = None) -> dict:
    """The error JSON every endpoint answers with; texts and the field list are bounded (see
    ``MAX_MESSAGE_CHARS``), so a huge bad value is never sent back."""
    return {"error": {"status": status_code, "code": code, "message": _cut(str(message), MAX_MESSAGE_CHARS),
                      "fields": None if fields is None else _bounded_fields(fields)}}


def _field_messages(detail: Any) -> dict[str, Any] | None:
    """``{field: [messages]}``; a nested object's or a list item's errors under a dotted name
    (``overrides.max_positions``, ``symbols.0``), so every value stays a list of strings."""
    if not isinstance(detail, dict):
        return None
    fields: dict[str, Any] = {}
    for name, messages in detail.items():
        if isinstance(messages, dict):
            for inner, inner_messages in (_field_messages(messages) or {}).items():
                fields[f"{name}.{inner}"] = inner_messages
        else:
            fields[str(name)] = _plain(messages)
    return fields


def _plain(detail: Any) -> Any:
    """ErrorDetail strings and nested lists/dicts as plain JSON values."""
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list | tuple):
        return [_plain(v) for v in detail]
    return str(detail)


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for name, messages in detail.items():
            return f"{name}: {_first_message(messages)}"
        return "invalid input"
    if isinstance(detail, list | tuple):
        return _first_message(detail[0]) if detail else "invalid input"
    return str(detail)


def _validation_response(fields: dict[str, Any] | None, message: str) -> Response:
    body = error_body(status_code=400, code="invalid", message=message, fields=fields)
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: every failure as the one error shape, with the right status."""
    if isinstance(exc, DjangoValidationError):
        fields = {k: list(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else None
        return _validation_response(fields, _first_message(fields or exc.messages))
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_messages(exc.detail)
        return _validation_response(fields, _first_message(exc.detail))
    for error_type, status_code, code in _DOMAIN_ERRORS:
        if isinstance(exc, error_type):
            message = getattr(exc, "message", None) or str(exc) or code
            response = Response(error_body(status_code=status_code, code=code, message=str(message)),
                                status=status_code)
            if status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
                response["Retry-After"] = str(EXCHANGE_RETRY_AFTER_S)
                logger.warning("exchange unavailable: %s", exc, extra={"category": Category.API})
            return response
    if isinstance(exc, Http404 | DjangoPermissionDenied | exceptions.APIException):
        response = drf_exception_handler(exc, context)
        if response is not None:
            code = exc.default_code if isinstance(exc, exceptions.APIException) else (
                "not_found" if isinstance(exc, Http404) else "permission_denied")
            detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
            response.data = error_body(status_code=response.status_code, code=code, message=str(detail))
            return response
    logger.exception("unhandled API error in %s", type(context.get("view")).__name__,
                     extra={"category": Category.API})
    return Response(error_body(status_code=500, code="server_error", message="internal error; see the server log"),
                    status=status.HTTP_500_INTERNAL_SERVER_ERROR)
