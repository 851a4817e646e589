"""HTTP to Binance USD-M futures: signing, server-time offset, budgets, error mapping.

This is the only place that sees raw Binance answers; it returns the decoded JSON of a
successful answer and raises :mod:`coinex.errors` otherwise. Parameters go in the query
string for GET and DELETE and in a form body for POST, signed as Binance documents.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from coinex.binance.codes import (
    CODE_TIMESTAMP,
    CODE_TOO_MANY_REQUESTS,
    HTTP_IP_BANNED,
    HTTP_RATE_LIMITED,
    OUTCOME_UNKNOWN_CODES,
    error_for_code,
)
from coinex.binance.limits import UsageTracker
from coinex.binance.signing import HEADER_API_KEY, SIGNATURE_PARAM, signature_compute
from coinex.client.transport import (
    ApiCredentials,
    RequestTimedOut,
    ServerClock,
    _refuse_real_exchange_under_test,
    read_retried,
)
from coinex.errors import ExchangeAuthError, ExchangeError, ExchangeTemporaryError
from config.logging import Category, secret_register

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://fapi.binance.com"
TESTNET_BASE_URL = "https://testnet.binancefuture.com"  # the official testnet ("demo"), with its own keys
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_RECV_WINDOW_MS = 5000  # Binance's default; at most 60000
DEFAULT_BLOCK_AFTER_429_S = 60.0  # when a 429/418 carries no Retry-After
BODY_EXCERPT_CHARS = 200
Params = Mapping[str, Any]


def _encode(params: Params | None) -> str:
    """``params`` as a query string in insertion order; None dropped, booleans as true/false."""
    pairs = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        pairs.append((name, ("true" if value else "false") if isinstance(value, bool) else str(value)))
    return urlencode(pairs)


class BinanceTransport:
    """Signed and public requests to ``base_url`` (``https://fapi.binance.com`` or a loopback server)."""

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL, credentials: ApiCredentials | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, recv_window_ms: int = DEFAULT_RECV_WINDOW_MS,
                 tracker: UsageTracker | None = None, http_client: httpx.Client | None = None) -> None:
        _refuse_real_exchange_under_test(base_url)
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        if credentials:
            secret_register(credentials.secret_key)
        self.recv_window_ms = recv_window_ms
        self.tracker = tracker or UsageTracker()
        self._http = http_client or httpx.Client(timeout=timeout_s)
        self.clock = ServerClock(fetch_server_ms=self._server_ms_fetch)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    @property
    def offset_ms(self) -> int:
        """Server clock minus ours, in ms, as last measured."""
        return self.clock.offset_ms

    # --- server time ------------------------------------------------------------------------------
    def server_time_ms(self) -> int:
        """The exchange clock (``GET /fapi/v1/time``, weight 1); also refreshes the offset."""
        return self.clock.sync()

    def _server_ms_fetch(self) -> int:
        return int(self._send("GET", "/fapi/v1/time", params=None, signed=False, weight=1, orders=0)["serverTime"])

    def _timestamp_ms(self) -> int:
        return self.clock.now_ms()

    # --- requests ----------------------------------------------------------------------------------
    def get(self, path: str, *, params: Params | None = None, signed: bool = False, weight: int = 1) -> Any:
        """GET ``path``; temporary failures are retried a few times (reads are idempotent), except
        after a 429/418: the budget then refuses locally, so retrying now would only fail again."""
        return read_retried(lambda: self._request("GET", path, params=params, signed=signed, weight=weight, orders=0),
                            final=lambda error: error.code in (CODE_TOO_MANY_REQUESTS, HTTP_IP_BANNED))

    def post(self, path: str, *, params: Params, weight: int = 1, orders: int = 0) -> Any:
        """Signed POST; never retried here except after a -1021 (which Binance did not execute)."""
        return self._request("POST", path, params=params, signed=True, weight=weight, orders=orders)

    def delete(self, path: str, *, params: Params, weight: int = 1) -> Any:
        """Signed DELETE (cancels)."""
        return self._request("DELETE", path, params=params, signed=True, weight=weight, orders=0)

    def api_key_request(self, method: str, path: str) -> Any:
        """A USER_STREAM call (listenKey): the API key in its header, no signature (weight 1)."""
        if self.credentials is None:
            raise ExchangeAuthError("no Binance API credentials are configured")
        self.tracker.before(weight=1, orders=0)
        try:
            response = self._http.request(method, f"{self.base_url}{path}",
                                          headers={HEADER_API_KEY: self.credentials.access_id})
        except httpx.TransportError as error:
            raise ExchangeTemporaryError(f"Binance unreachable: {type(error).__name__}: {error}") from None
        self.tracker.observe(response.headers)
        return self._parse(response, method=method, path=path)

    def _request(self, method: str, path: str, *, params: Params | None, signed: bool, weight: int,
                 orders: int) -> Any:
        try:
            return self._send(method, path, params=params, signed=signed, weight=weight, orders=orders)
        except ExchangeTemporaryError as error:
            if error.code != CODE_TIMESTAMP or not signed:
                raise
            # Our clock drifted from Binance's: the request was refused unexecuted, so resync and resend once.
            logger.warning("Binance says the timestamp is outside recvWindow; resynchronising the clock",
                           extra={"category": Category.API})
            self.server_time_ms()
            return self._send(method, path, params=params, signed=signed, weight=weight, orders=orders)

    def _send(self, method: str, path: str, *, params: Params | None, signed: bool, weight: int,
              orders: int) -> Any:
        # Wait for the budget first: a timestamp taken before a wait could fall outside recvWindow.
        self.tracker.before(weight=weight, orders=orders)
        headers = {"Accept": "application/json"}
        encoded = _encode(params)
        if signed:
            if self.credentials is None:
                raise ExchangeAuthError("no Binance API credentials are configured")
            stamp = _encode({"recvWindow": self.recv_window_ms, "timestamp": self._timestamp_ms()})
            encoded = f"{encoded}&{stamp}" if encoded else stamp
            encoded += f"&{SIGNATURE_PARAM}=" + signature_compute(secret_key=self.credentials.secret_key,
                                                                  total_params=encoded)
            headers[HEADER_API_KEY] = self.credentials.access_id
        url, content = f"{self.base_url}{path}", None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            content = encoded.encode()
        elif encoded:
            url += f"?{encoded}"
        try:
            response = self._http.request(method, url, content=content, headers=headers)
        except httpx.TimeoutException as error:
            if isinstance(error, httpx.ConnectTimeout):
                raise ExchangeTemporaryError(f"Binance unreachable (connect timeout): {method} {path}") from None
            raise RequestTimedOut(f"Binance did not answer in time: {method} {path}") from None
        except httpx.TransportError as error:
            raise ExchangeTemporaryError(f"Binance unreachable: {type(error).__name__}: {error}") from None
        self.tracker.observe(response.headers)
        return self._parse(response, method=method, path=path)

    def _parse(self, response: httpx.Response, *, method: str, path: str) -> Any:
        excerpt = response.text[:BODY_EXCERPT_CHARS]
        status = response.status_code
        try:
            payload = response.json()
        except ValueError:
            payload = None
        code = payload.get("code") if isinstance(payload, dict) else None
        message = str(payload.get("msg") or "") if isinstance(payload, dict) else excerpt
        if status in (HTTP_RATE_LIMITED, HTTP_IP_BANNED):
            self._rate_limited(response, status=status, message=message)
        if status >= 500 or (isinstance(code, int) and code in OUTCOME_UNKNOWN_CODES):
            # Binance: "the execution status is UNKNOWN and could have been a success".
            raise RequestTimedOut(f"Binance answered HTTP {status} to {method} {path}; outcome unknown: {excerpt}",
                                  code=code if isinstance(code, int) else None)
        if status != 200 or (isinstance(code, int) and code < 0):
            if not isinstance(code, int):
                if status in (401, 403):
                    raise ExchangeAuthError(f"Binance answered HTTP {status} to {method} {path}: {excerpt}")
                raise ExchangeTemporaryError(f"Binance answered HTTP {status} to {method} {path}: {excerpt}")
            error: ExchangeError = error_for_code(code, message)
            logger.warning("Binance refused %s %s: %s", method, path, error,
                           extra={"category": Category.API, "code": code})
            raise error
        if payload is None:
            raise ExchangeTemporaryError(f"Binance sent a non-JSON answer to {method} {path}: {excerpt}")
        return payload

    def _rate_limited(self, response: httpx.Response, *, status: int, message: str) -> None:
        try:
            retry_after_s = float(response.headers.get("Retry-After") or DEFAULT_BLOCK_AFTER_429_S)
        except ValueError:
            retry_after_s = DEFAULT_BLOCK_AFTER_429_S
        banned = status == HTTP_IP_BANNED
        self.tracker.block(seconds=retry_after_s, reason="IP banned (418)" if banned else "rate limited (429)")
        log = logger.error if banned else logger.warning
        log("Binance answered %s: %s; no request for %.0f s", status, message, retry_after_s,
            extra={"category": Category.API})
        raise ExchangeTemporaryError(f"Binance {'banned this IP' if banned else 'rate limit hit'} "
                                     f"(HTTP {status}): {message}; retry after {retry_after_s:.0f} s",
                                     code=HTTP_IP_BANNED if banned else CODE_TOO_MANY_REQUESTS)
