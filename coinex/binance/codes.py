"""Binance USD-M error codes translated once into :mod:`coinex.errors` (STYLE.md rule 4).

Binance answers errors as ``{"code": -XXXX, "msg": "..."}`` with an HTTP 4xx status (a
few endpoints answer 200 with ``code`` 200 for success). HTTP 429 is a rate limit, 418 an
IP ban after ignoring 429s, 5xx an internal error whose outcome is unknown.
"""

from __future__ import annotations

from coinex.errors import (
    ExchangeAuthError,
    ExchangeError,
    ExchangeTemporaryError,
    OrderNotFound,
    OrderRejected,
)

CODE_UNKNOWN = -1000
CODE_DISCONNECTED = -1001
CODE_UNAUTHORIZED = -1002
CODE_TOO_MANY_REQUESTS = -1003
CODE_UNEXPECTED_RESPONSE = -1006  # execution status unknown
CODE_TIMEOUT = -1007  # execution status unknown
CODE_SERVER_BUSY = -1008
CODE_TIMESTAMP = -1021  # outside recvWindow, or ahead of the server by more than 1 s
CODE_BAD_SIGNATURE = -1022
CODE_UNKNOWN_ORDER = -2011  # cancel of an order that does not exist (or is finished)
CODE_NO_SUCH_ORDER = -2013
CODE_BAD_API_KEY_FORMAT = -2014
CODE_REJECTED_MBX_KEY = -2015  # invalid API key, IP or permissions
CODE_MARGIN_INSUFFICIENT = -2019
CODE_REDUCE_ONLY_REJECTED = -2022
CODE_NO_NEED_TO_CHANGE_MARGIN_TYPE = -4046
CODE_NO_NEED_TO_CHANGE_POSITION_SIDE = -4059
CODE_POSITION_SIDE_CHANGE_BLOCKED_BY_ORDERS = -4067
CODE_POSITION_SIDE_CHANGE_BLOCKED_BY_POSITION = -4068
CODE_USE_ALGO_ORDER_API = -4120  # conditional types on /fapi/v1/order since 2025-12-09
CODE_MIN_NOTIONAL = -4164
HTTP_RATE_LIMITED = 429
HTTP_IP_BANNED = 418

# Outcome unknown: the request may have been executed (writes look the order up first).
OUTCOME_UNKNOWN_CODES = frozenset({CODE_UNKNOWN, CODE_UNEXPECTED_RESPONSE, CODE_TIMEOUT})
RETRYABLE_CODES = frozenset({CODE_DISCONNECTED, CODE_TOO_MANY_REQUESTS, CODE_SERVER_BUSY, CODE_TIMESTAMP,
                             -1015}) | OUTCOME_UNKNOWN_CODES
AUTH_CODES = frozenset({CODE_UNAUTHORIZED, CODE_BAD_SIGNATURE, CODE_BAD_API_KEY_FORMAT, CODE_REJECTED_MBX_KEY})
NOT_FOUND_CODES = frozenset({CODE_UNKNOWN_ORDER, CODE_NO_SUCH_ORDER})


def error_for_code(code: int, message: str) -> ExchangeError:
    """The exception for Binance error ``code`` with its ``message``.

    Unknown codes become :class:`OrderRejected` (the request failed for a reason not known
    to be transient, so a blind retry is the wrong default), as in the CoinEx client.
    """
    text = message or f"Binance error {code}"
    if code in RETRYABLE_CODES:
        return ExchangeTemporaryError(text, code=code)
    if code in AUTH_CODES:
        return ExchangeAuthError(text, code=code)
    if code in NOT_FOUND_CODES:
        return OrderNotFound(text, code=code)
    return OrderRejected(text, code=code)
