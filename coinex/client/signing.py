"""CoinEx API v2 request signing.

The signed string is ``METHOD + request path (with /v2 and the query exactly as sent)
+ raw body + timestamp``; the signature is the lowercase hex HMAC-SHA256 of it under the
secret key, sent in ``X-COINEX-SIGN`` with ``X-COINEX-KEY`` and ``X-COINEX-TIMESTAMP`` (ms).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER_KEY = "X-COINEX-KEY"
HEADER_SIGN = "X-COINEX-SIGN"
HEADER_TIMESTAMP = "X-COINEX-TIMESTAMP"
HEADER_WINDOW = "X-COINEX-WINDOWTIME"


def signature_compute(*, secret_key: str, method: str, path_with_query: str, body: str, timestamp_ms: int) -> str:
    """The lowercase hex HMAC-SHA256 signature of one request (empty ``body`` for GET)."""
    prepared = f"{method.upper()}{path_with_query}{body}{timestamp_ms}"
    return hmac.new(secret_key.encode(), prepared.encode(), hashlib.sha256).hexdigest().lower()


def signature_verify(*, secret_key: str, method: str, path_with_query: str, body: str, timestamp_ms: int,
                     signature: str) -> bool:
    """True when ``signature`` is the signature of the request (constant-time comparison)."""
    expected = signature_compute(secret_key=secret_key, method=method, path_with_query=path_with_query, body=body,
                                 timestamp_ms=timestamp_ms)
    return hmac.compare_digest(expected, signature.lower())
