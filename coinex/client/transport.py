"""HTTP to CoinEx API v2: signing, server-time offset, rate-limit buckets, error mapping.

This is the only place that sees raw CoinEx responses; it returns the ``data`` field of
a successful ``{code, data, message}`` answer and raises :mod:`coinex.errors` otherwise.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from coinex.client.codes import CODE_EXPIRED_REQUEST, CODE_OK, error_for_code
from coinex.client.ratelimit import RateGroup, TokenBucket, buckets_create
from coinex.client.signing import HEADER_KEY, HEADER_SIGN, HEADER_TIMESTAMP, HEADER_WINDOW, signature_compute
from coinex.errors import ExchangeAuthError, ExchangeError, ExchangeTemporaryError
from config.logging import Category, secret_register

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.coinex.com/v2"
DEFAULT_TIMEOUT_S = 10.0
# X-COINEX-WINDOWTIME: CoinEx refuses a signed request whose timestamp is older than this
# (5000 ms is also CoinEx's default). Sent explicitly, because the resend rule for orders
# (coinex.client.client) relies on it: after the window an unanswered order can no longer land.
DEFAULT_REQUEST_WINDOW_MS = 5000
TIME_SYNC_INTERVAL_S = 300.0
GET_ATTEMPTS = 3  # a read is retried on a temporary error; a write never is here
GET_RETRY_BACKOFF_S = 0.2
BODY_EXCERPT_CHARS = 200


@dataclass(frozen=True)
class ApiCredentials:
    """An API key pair; ``repr`` never shows the secret."""

    access_id: str
    secret_key: str

    def __repr__(self) -> str:
        return "ApiCredentials(access_id=***, secret_key=***)"


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def _refuse_real_exchange_under_test(base_url: str) -> None:
    """Under APP_ENV=test only a loopback server may be called: no test can reach CoinEx."""
    from django.conf import settings

    if settings.configured and getattr(settings, "APP_ENV", "") == "test":
        host = urlsplit(base_url).hostname or ""
        if host not in LOOPBACK_HOSTS:
            raise ExchangeAuthError(f"refusing to call {host} from a test run: use the loopback sandbox")


class ServerClock:
    """Our offset to an exchange's clock, measured around a server-time call (half the round trip
    assumed each way) and measured again every ``interval_s``: signed requests carry the
    exchange's time, so a drifting local clock does not get them refused. Shared by the venues'
    transports."""

    def __init__(self, *, fetch_server_ms: Callable[[], int], interval_s: float = TIME_SYNC_INTERVAL_S) -> None:
        self._fetch_server_ms = fetch_server_ms
        self.interval_s = interval_s
        self.offset_ms = 0
        self._synced_at: float | None = None
        self._lock = threading.Lock()

    def sync(self) -> int:
        """Ask the exchange for its time now; returns it (ms) and keeps the offset."""
        started = time.time()
        server_ms = self._fetch_server_ms()
        finished = time.time()
        with self._lock:
            self.offset_ms = server_ms - int((started + finished) / 2 * 1000)
            self._synced_at = time.monotonic()
        return server_ms

    def now_ms(self) -> int:
        """The exchange's time now (ms), measuring the offset first when it is stale."""
        if self._synced_at is None or time.monotonic() - self._synced_at > self.interval_s:
            self.sync()
        return int(time.time() * 1000) + self.offset_ms


def read_retried[T](read: Callable[[], T], *, final: Callable[[ExchangeTemporaryError], bool] = lambda _: False,
                    attempts: int = GET_ATTEMPTS, backoff_s: float = GET_RETRY_BACKOFF_S) -> T:
    """``read()``, tried again after a short, growing pause when it raises ``ExchangeTemporaryError``
    (reads are idempotent; writes are never retried this way), at most ``attempts`` times; an
    error ``final`` says retrying cannot help is raised at once."""
    for attempt in range(1, attempts + 1):
        try:
            return read()
        except ExchangeTemporaryError as error:
            if attempt == attempts or final(error):
                raise
            time.sleep(backoff_s * attempt)
    raise AssertionError("unreachable")


class RequestTimedOut(ExchangeTemporaryError):
    """The request was sent but no answer came back: its outcome is unknown."""


class CoinExTransport:
    """Signed and public requests to ``base_url`` (which includes ``/v2``)."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        credentials: ApiCredentials | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        request_window_ms: int = DEFAULT_REQUEST_WINDOW_MS,
        buckets: dict[RateGroup, TokenBucket] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        _refuse_real_exchange_under_test(base_url)
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path
        self.credentials = credentials
        self.request_window_ms = request_window_ms
        self.timeout_s = timeout_s
        if credentials:
            secret_register(credentials.secret_key)
        self.buckets = buckets if buckets is not None else buckets_create()
        self._http = http_client or httpx.Client(timeout=timeout_s)
        self.clock = ServerClock(fetch_server_ms=self._server_ms_fetch)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    # --- server time -------------------------------------------------------------------------
    def server_time_ms(self) -> int:
        """The exchange clock in ms (``GET /time``), which also refreshes the offset."""
        return self.clock.sync()

    def _server_ms_fetch(self) -> int:
        data = self._send("GET", "/time", params=None, body=None, signed=False, group=RateGroup.PUBLIC)
        return int(data["timestamp"])

    def _timestamp_ms(self) -> int:
        return self.clock.now_ms()

    # --- requests ------------------------------------------------------------------------------
    def get(self, path: str, *, params: dict[str, Any] | None = None, signed: bool = False,
            group: RateGroup = RateGroup.PUBLIC) -> Any:
        """GET ``path``; temporary failures are retried a few times (reads are idempotent)."""
        return read_retried(lambda: self._request("GET", path, params=params, body=None, signed=signed, group=group))

    def post(self, path: str, *, body: dict[str, Any], group: RateGroup) -> Any:
        """Signed POST of ``body`` as JSON; never retried here (the caller decides)."""
        return self._request("POST", path, params=None, body=body, signed=True, group=group)

    def _request(self, method: str, path: str, *, params: dict[str, Any] | None, body: dict[str, Any] | None,
                 signed: bool, group: RateGroup) -> Any:
        try:
            return self._send(method, path, params=params, body=body, signed=signed, group=group)
        except ExchangeAuthError as error:
            if error.code != CODE_EXPIRED_REQUEST:
                raise
            # Our clock drifted from the exchange's: resynchronise once, then try again.
            logger.warning("CoinEx says the request expired; resynchronising the clock",
                           extra={"category": Category.API})
            self.server_time_ms()
            return self._send(method, path, params=params, body=body, signed=signed, group=group)

    def _send(self, method: str, path: str, *, params: dict[str, Any] | None, body: dict[str, Any] | None,
              signed: bool, group: RateGroup) -> Any:
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        path_with_query = f"{self._base_path}{path}" + (f"?{query}" if query else "")
        raw_body = json.dumps(body, separators=(",", ":")) if body is not None else ""
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if signed:
            if self.credentials is None:
                raise ExchangeAuthError("no CoinEx API credentials are configured")
            timestamp_ms = self._timestamp_ms()
            headers[HEADER_KEY] = self.credentials.access_id
            headers[HEADER_TIMESTAMP] = str(timestamp_ms)
            headers[HEADER_WINDOW] = str(self.request_window_ms)
            headers[HEADER_SIGN] = signature_compute(
                secret_key=self.credentials.secret_key, method=method, path_with_query=path_with_query,
                body=raw_body, timestamp_ms=timestamp_ms,
            )
        bucket = self.buckets.get(group)
        if bucket is not None:
            bucket.acquire()
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        try:
            response = self._http.request(method, url, content=raw_body.encode() if raw_body else None,
                                          headers=headers)
        except httpx.TimeoutException as error:
            if isinstance(error, httpx.ConnectTimeout):
                raise ExchangeTemporaryError(f"CoinEx unreachable (connect timeout): {method} {path}") from None
            raise RequestTimedOut(f"CoinEx did not answer in time: {method} {path}") from None
        except httpx.TransportError as error:
            raise ExchangeTemporaryError(f"CoinEx unreachable: {type(error).__name__}: {error}") from None
        return self._parse(response, method=method, path=path)

    @staticmethod
    def _parse(response: httpx.Response, *, method: str, path: str) -> Any:
        excerpt = response.text[:BODY_EXCERPT_CHARS]
        if response.status_code != 200:
            raise ExchangeTemporaryError(f"CoinEx gateway answered HTTP {response.status_code} to {method} {path}: "
                                         f"{excerpt}")
        try:
            payload = response.json()
            code = int(payload["code"])
        except (ValueError, KeyError, TypeError):
            raise ExchangeTemporaryError(f"CoinEx sent a non-JSON answer to {method} {path}: {excerpt}") from None
        if code != CODE_OK:
            error: ExchangeError = error_for_code(code, str(payload.get("message") or ""))
            logger.warning("CoinEx refused %s %s: %s", method, path, error,
                           extra={"category": Category.API, "code": code})
            raise error
        return payload.get("data")
