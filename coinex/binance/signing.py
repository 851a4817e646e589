"""Binance USD-M futures request signing (SIGNED endpoints: TRADE and USER_DATA).

The signed payload is the query string followed by the request body, exactly as sent
(``totalParams``), with ``timestamp`` (ms) and optional ``recvWindow`` among the
parameters; the signature is the lowercase hex HMAC-SHA256 of it under the secret key,
appended as the last parameter ``signature``. The API key travels in ``X-MBX-APIKEY``.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER_API_KEY = "X-MBX-APIKEY"
SIGNATURE_PARAM = "signature"


def signature_compute(*, secret_key: str, total_params: str) -> str:
    """The lowercase hex HMAC-SHA256 of ``total_params`` (query string + body, as sent)."""
    return hmac.new(secret_key.encode(), total_params.encode(), hashlib.sha256).hexdigest()


def signature_verify(*, secret_key: str, total_params: str, signature: str) -> bool:
    """True when ``signature`` signs ``total_params`` (constant-time; case-insensitive hex)."""
    return hmac.compare_digest(signature_compute(secret_key=secret_key, total_params=total_params),
                               signature.lower())
