"""A loopback Binance USD-M futures server (standard library HTTP, one thread per request).

Behaves like the documented API for what the adapter uses: HMAC-SHA256 signatures over
``totalParams``, ``timestamp``/``recvWindow`` checks (-1021), the ``{"code", "msg"}``
error envelope with Binance's HTTP statuses, request-weight and order-count windows
reported in ``X-MBX-USED-WEIGHT-*`` / ``X-MBX-ORDER-COUNT-*`` headers, 429 with
``Retry-After`` when a window is exceeded and 418 (an IP ban) when requests keep coming
after a 429. Admin hooks under ``/_sandbox`` (no signature; loopback only):

- ``POST /_sandbox/price`` ``{"symbol", "price"}``: move the mark price (fires stops, fills limits)
- ``POST /_sandbox/status`` ``{"symbol", "status"}``: set an exchangeInfo status (``CLOSE``, ``SETTLING``...)
- ``POST /_sandbox/fail`` ``{"code", "msg", "http_status", "path", "count", "retry_after"}``
- ``POST /_sandbox/latency`` ``{"seconds", "path", "count", "phase": "before"|"after", "drop"}``
- ``POST /_sandbox/ws`` ``{"drop": true}`` closes every WebSocket, ``{"mute": true|false}`` stops/resumes frames
- ``POST /_sandbox/clock`` ``{"skew_ms"}``; ``POST /_sandbox/reset`` ``{"balance"}``; ``GET /_sandbox/state``
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from coinex.binance.signing import HEADER_API_KEY, SIGNATURE_PARAM, signature_verify
from coinex.loopback import LoopbackHttpServer
from coinex.sandbox_binance.engine import ApiError, UsdmAccount
from coinex.sandbox_binance.routes import ROUTES, exchange_info
from config.logging import Category

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/_sandbox"
MAX_RECV_WINDOW_MS = 60_000
DEFAULT_RECV_WINDOW_MS = 5_000
FUTURE_TOLERANCE_MS = 1_000  # a timestamp more than 1 s ahead of the server is refused
HEAVY_WITHOUT_SYMBOL = {"/fapi/v1/openOrders": 40, "/fapi/v1/openAlgoOrders": 40}


@dataclass
class Failure:
    """Fail the next ``count`` calls (matching ``path``) with a Binance code and/or HTTP status."""

    code: int | None
    msg: str
    http_status: int
    path: str | None
    count: int
    retry_after: int | None = None


@dataclass
class Latency:
    seconds: float
    path: str | None
    count: int
    phase: str
    drop: bool


def _without_signature(part: str) -> str:
    """``part`` (a query string or form body) without its trailing ``signature`` parameter."""
    if part.startswith(f"{SIGNATURE_PARAM}="):
        return ""
    return part.split(f"&{SIGNATURE_PARAM}=")[0]


def _window_label(window_s: int) -> str:
    return f"{window_s // 60}M" if window_s % 60 == 0 else f"{window_s}S"


@dataclass
class BinanceSandbox:
    """All the server's state; handlers run under ``lock``."""

    api_key: str
    secret_key: str
    starting_balance: Decimal = Decimal("10000")
    weight_limit: int = 2400
    weight_window_s: int = 60
    order_limits: tuple[tuple[int, int], ...] = ((10, 300), (60, 1200))  # (window s, orders)
    ban_s: int = 120
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock_skew_ms: int = 0
    failures: list[Failure] = field(default_factory=list)
    latencies: list[Latency] = field(default_factory=list)
    requests: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))  # HTTP status -> count
    account: UsdmAccount = field(init=False)
    _used: dict[str, tuple[int, int]] = field(default_factory=dict)  # counter -> (count, window index)
    _limited_window: int | None = None
    _banned_until: float = 0.0
    # Stream servers listening to changes (coinex.sandbox_binance.streams): notified after each call.
    listeners: list[Any] = field(default_factory=list)

    def notify(self) -> None:
        """Tell the stream servers that prices or orders may have changed."""
        for listener in list(self.listeners):
            listener.publish()

    def stream_control(self, *, drop: bool, mute: bool | None) -> None:
        """Drop every WebSocket connection and/or stop (``mute``) or resume sending frames."""
        for listener in list(self.listeners):
            listener.control(drop=drop, mute=mute)

    def __post_init__(self) -> None:
        self.reset(balance=self.starting_balance)

    def reset(self, *, balance: Decimal) -> None:
        """Start over: ``balance`` USDT, one-way mode, default prices, no failures or counts."""
        with self.lock:
            self.account = UsdmAccount(wallet=balance, clock_ms=self.now_ms)
            self.clock_skew_ms = 0
            self.failures.clear()
            self.latencies.clear()
            self.requests.clear()
            self.statuses.clear()
            self._used.clear()
            self._limited_window, self._banned_until = None, 0.0

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_skew_ms

    def rate_limits(self) -> list[dict[str, Any]]:
        """The limits as exchangeInfo's ``rateLimits`` states them."""
        def limit(kind: str, window_s: int, value: int) -> dict[str, Any]:
            minutes = window_s % 60 == 0
            return {"rateLimitType": kind, "interval": "MINUTE" if minutes else "SECOND",
                    "intervalNum": window_s // 60 if minutes else window_s, "limit": value}
        return [limit("REQUEST_WEIGHT", self.weight_window_s, self.weight_limit),
                *(limit("ORDERS", window_s, value) for window_s, value in self.order_limits)]

    def _count(self, name: str, window_s: int, cost: int, *, now: float) -> int:
        index = int(now // window_s)
        count, at = self._used.get(name, (0, index))
        count = (count if at == index else 0) + cost
        self._used[name] = (count, index)
        return count

    def admit(self, *, weight: int, orders: int) -> tuple[dict[str, str], ApiError | None]:
        """Count a request; returns (headers, error): a 429 error over a window, 418 when banned."""
        now = time.time()
        if now < self._banned_until:
            until_ms = int(self._banned_until * 1000)
            return {"Retry-After": str(int(self._banned_until - now) + 1)}, ApiError(
                -1003, f"Way too many requests; IP(127.0.0.1) banned until {until_ms}. Please use the websocket for "
                       "live updates to avoid bans.", status=418)
        window_index = int(now // self.weight_window_s)
        used, at = self._used.get("weight", (0, window_index))
        used = used if at == window_index else 0
        if used + weight > self.weight_limit:
            if self._limited_window == window_index:  # kept sending after a 429: ban the IP
                self._banned_until = now + self.ban_s
                return {"Retry-After": str(self.ban_s)}, ApiError(
                    -1003, f"Way too many requests; IP(127.0.0.1) banned until {int(self._banned_until * 1000)}.",
                    status=418)
            self._limited_window = window_index
            retry_after = int((window_index + 1) * self.weight_window_s - now) + 1
            return {"Retry-After": str(retry_after)}, ApiError(
                -1003, f"Too many requests; current limit of IP(127.0.0.1) request weight per "
                       f"{_window_label(self.weight_window_s)} is {self.weight_limit}.", status=429)
        headers = {f"X-MBX-USED-WEIGHT-{_window_label(self.weight_window_s)}":
                   str(self._count("weight", self.weight_window_s, weight, now=now))}
        for window_s, limit in self.order_limits if orders else ():
            count = self._count(f"orders-{window_s}", window_s, 0, now=now)
            if count + orders > limit:
                return {"Retry-After": str(window_s)}, ApiError(
                    -1015, f"Too many new orders; current limit is {limit} orders per {_window_label(window_s)}.",
                    status=429)
        for window_s, _limit in self.order_limits if orders else ():
            headers[f"X-MBX-ORDER-COUNT-{_window_label(window_s)}"] = str(
                self._count(f"orders-{window_s}", window_s, orders, now=now))
        return headers, None

    def failure_take(self, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.path is None or failure.path == path:
                failure.count -= 1
                if failure.count <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    def latency_take(self, path: str, phase: str) -> Latency | None:
        for latency in self.latencies:
            if latency.phase == phase and (latency.path is None or latency.path == path):
                latency.count -= 1
                if latency.count <= 0:
                    self.latencies.remove(latency)
                return latency
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("binance sandbox %s", format % args, extra={"category": Category.API})

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        raw = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
        with self.server.sandbox.lock:
            self.server.sandbox.statuses[status] += 1
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(payload, str) else "text/html")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)

    def _error(self, error: ApiError, headers: dict[str, str] | None = None) -> None:
        self._send(error.status, {"code": error.code, "msg": error.msg}, headers)

    def _dispatch(self, method: str) -> None:
        sandbox = self.server.sandbox
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if split.path.startswith(ADMIN_PREFIX):
            self._admin(method, split.path.removeprefix(ADMIN_PREFIX), body)
            return
        with sandbox.lock:
            sandbox.requests[split.path] += 1
            delay = sandbox.latency_take(split.path, "before")
        if delay is not None:
            time.sleep(delay.seconds)
            if delay.drop:
                self._send(503, "<html><body><h1>503 Service Unavailable</h1></body></html>")
                return
        route = ROUTES.get((method, split.path))
        if route is None and (method, split.path) != ("GET", "/fapi/v1/exchangeInfo"):
            self._send(404, {"code": -5000, "msg": f"Path {split.path}, Method {method} is invalid"})
            return
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        params.update(parse_qsl(body, keep_blank_values=True))
        weight = route.weight if route else 1
        if split.path in HEAVY_WITHOUT_SYMBOL and not params.get("symbol"):
            weight = HEAVY_WITHOUT_SYMBOL[split.path]
        with sandbox.lock:
            headers, limited = sandbox.admit(weight=weight, orders=route.orders if route else 0)
            failure = sandbox.failure_take(split.path) if limited is None else None
        if limited is not None:
            self._error(limited, headers)
            return
        if failure is not None:
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            if failure.code is None:
                self._send(failure.http_status, "<html><body>injected failure</body></html>", headers)
            else:
                self._error(ApiError(failure.code, failure.msg, status=failure.http_status), headers)
            return
        if route is not None and route.signed:
            refusal = self._authentication_refusal(split.query, body, params)
            if refusal is not None:
                self._error(refusal, headers)
                return
        if route is not None and route.key_only and self.headers.get(HEADER_API_KEY) != sandbox.api_key:
            self._error(ApiError(-2015, "Invalid API-key, IP, or permissions for action.", status=401), headers)
            return
        try:
            with sandbox.lock:
                if route is None:
                    answer = exchange_info(sandbox.account, params, rate_limits=sandbox.rate_limits())
                else:
                    answer = route.handler(sandbox.account, params)
        except ApiError as error:
            self._error(error, headers)
            return
        except (ValueError, ArithmeticError) as error:
            self._error(ApiError(-1102, f"A mandatory parameter was malformed: {error}"), headers)
            return
        sandbox.notify()
        delay = sandbox.latency_take(split.path, "after")
        if delay is not None:
            time.sleep(delay.seconds)
        self._send(200, json.loads(json.dumps(answer, default=str)), headers)

    def _authentication_refusal(self, query: str, body: str, params: dict[str, str]) -> ApiError | None:
        sandbox = self.server.sandbox
        if self.headers.get(HEADER_API_KEY) != sandbox.api_key:
            return ApiError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
        signature = params.get(SIGNATURE_PARAM, "")
        if not signature:
            return ApiError(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        try:
            timestamp = int(params.get("timestamp", ""))
            recv_window = int(params.get("recvWindow") or DEFAULT_RECV_WINDOW_MS)
        except ValueError:
            return ApiError(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        if recv_window > MAX_RECV_WINDOW_MS:
            return ApiError(-1131, "recvWindow must be less than 60000")
        now = sandbox.now_ms()
        if timestamp > now + FUTURE_TOLERANCE_MS or now - timestamp > recv_window:
            return ApiError(-1021, "Timestamp for this request is outside of the recvWindow.")
        total = _without_signature(query) + _without_signature(body)
        if not signature_verify(secret_key=sandbox.secret_key, total_params=total, signature=signature):
            return ApiError(-1022, "Signature for this request is not valid.")
        return None

    def _admin(self, method: str, path: str, raw: str) -> None:
        sandbox = self.server.sandbox
        try:
            body = json.loads(raw or "{}")
            with sandbox.lock:
                if method == "GET" and path == "/state":
                    data: Any = self._state()
                elif method == "POST" and path == "/price":
                    data = {"filled_order_ids": sandbox.account.price_set(body["symbol"],
                                                                          Decimal(str(body["price"])))}
                elif method == "POST" and path == "/ws":
                    sandbox.stream_control(drop=bool(body.get("drop")), mute=body.get("mute"))
                    data = {}
                elif method == "POST" and path == "/status":
                    sandbox.account.spec(body["symbol"]).status = str(body["status"])
                    data = {}
                elif method == "POST" and path == "/fail":
                    sandbox.failures.append(Failure(code=body.get("code"), msg=body.get("msg", "injected failure"),
                                                    http_status=int(body.get("http_status", 400)),
                                                    path=body.get("path"), count=int(body.get("count", 1)),
                                                    retry_after=body.get("retry_after")))
                    data = {}
                elif method == "POST" and path == "/latency":
                    sandbox.latencies.append(Latency(seconds=float(body["seconds"]), path=body.get("path"),
                                                     count=int(body.get("count", 1)),
                                                     phase=body.get("phase", "after"), drop=bool(body.get("drop"))))
                    data = {}
                elif method == "POST" and path == "/clock":
                    sandbox.clock_skew_ms = int(body["skew_ms"])
                    data = {}
                elif method == "POST" and path == "/reset":
                    sandbox.reset(balance=Decimal(str(body.get("balance", sandbox.starting_balance))))
                    data = {}
                else:
                    self._send(404, {"code": -5000, "msg": "unknown admin hook"})
                    return
        except (KeyError, ValueError, TypeError, ArithmeticError, ApiError) as error:
            self._send(400, {"code": -1102, "msg": f"bad admin request: {error}"})
            return
        sandbox.notify()
        self._send(200, {"code": 0, "data": data})

    def _state(self) -> dict[str, Any]:
        sandbox = self.server.sandbox
        account = sandbox.account
        return {
            "wallet": f"{account.wallet:f}", "dual_side": account.dual_side,
            "positions": {f"{s}:{side}": f"{p.amount:f}" for (s, side), p in account.positions.items() if p.amount},
            "orders": len(account.orders), "algo_orders": [dict(a) for a in account.algo_orders],
            "leverage": dict(account.leverage), "margin_type": dict(account.margin_type),
            "requests": dict(sandbox.requests), "statuses": {str(k): v for k, v in sandbox.statuses.items()},
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: BinanceSandbox) -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox


class BinanceSandboxServer(LoopbackHttpServer):
    """Serve ``sandbox`` on ``host:port`` (0 = a free port) in a background thread."""

    thread_name = "binance-sandbox"

    def __init__(self, *, sandbox: BinanceSandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        super().__init__(_Server((host, port), sandbox))

    @property
    def base_url(self) -> str:
        """The URL to give the adapter (``BINANCE_FUTURES_BASE_URL``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def admin_url(self) -> str:
        return f"{self.base_url}{ADMIN_PREFIX}"
