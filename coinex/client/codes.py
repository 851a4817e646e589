"""CoinEx v2 error codes translated once into :mod:`coinex.errors` (STYLE.md rule 4).

Errors arrive as HTTP 200 with a non-zero ``code``; gateway failures as non-200 or
non-JSON bodies (both retryable).
"""

from __future__ import annotations

from coinex.errors import (
    ExchangeAuthError,
    ExchangeError,
    ExchangeTemporaryError,
    OrderNotFound,
    OrderRejected,
)

CODE_OK = 0
CODE_ORDER_NOT_FOUND = 3600
CODE_EXPIRED_REQUEST = 4010
RETRYABLE_CODES = frozenset({3008, 4001, 4002, 4213})
REJECTED_CODES = frozenset({3109, 3127, 3639, 4004})
AUTH_CODES = frozenset({4005, 4006, 4007, 4010, 4017})
FUNDING_SETTLEMENT_HINT = "funding fee settlement"


def error_for_code(code: int, message: str) -> ExchangeError:
    """The exception for a non-zero CoinEx ``code`` with the exchange's ``message``.

    Unknown codes become :class:`OrderRejected`: the request failed for a reason we do
    not know to be transient, so retrying it blindly is the wrong default.
    """
    text = message or f"CoinEx error {code}"
    if code in RETRYABLE_CODES or FUNDING_SETTLEMENT_HINT in text.lower():
        return ExchangeTemporaryError(text, code=code)
    if code in AUTH_CODES:
        return ExchangeAuthError(text, code=code)
    if code == CODE_ORDER_NOT_FOUND:
        return OrderNotFound(text, code=code)
    if code in REJECTED_CODES or 3600 <= code < 3700:
        return OrderRejected(text, code=code)
    return OrderRejected(text, code=code)
