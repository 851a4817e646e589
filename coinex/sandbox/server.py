"""The sandbox's HTTP server (standard library, one thread per request) and admin hooks.

CoinEx endpoints live under ``/v2``; the admin hooks under ``/_sandbox`` need no
signature (the server listens on loopback only by default):

- ``POST /_sandbox/price`` ``{"market", "price"}``: move a price (fires limits, TP/SL, liquidation)
- ``POST /_sandbox/fail`` ``{"code", "message", "path", "count"}`` or ``{"http_status": 502}``
- ``POST /_sandbox/latency`` ``{"seconds", "path", "count", "phase": "before"|"after", "drop": bool}``
- ``POST /_sandbox/clock`` ``{"skew_ms"}``; ``POST /_sandbox/reset`` ``{"balance"}``
- ``POST /_sandbox/funding`` ``{"market", "rate", "settle": bool}``; ``GET /_sandbox/state``
"""

from __future__ import annotations

import json
import logging
import time
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from coinex.client.signing import HEADER_KEY, HEADER_SIGN, HEADER_TIMESTAMP, HEADER_WINDOW, signature_verify
from coinex.errors import ExchangeError
from coinex.loopback import LoopbackHttpServer
from coinex.sandbox.routes import ROUTES, ApiError
from coinex.sandbox.state import DEFAULT_WINDOW_MS, InjectedFailure, InjectedLatency, SandboxExchange
from config.logging import Category

logger = logging.getLogger(__name__)

API_PREFIX = "/v2"
ADMIN_PREFIX = "/_sandbox"
CODE_ACCESS_ID = 4005
CODE_SIGNATURE = 4006
CODE_EXPIRED = 4010
CODE_RATE_LIMIT = 4213
CODE_BAD_PARAMETER = 4004
GATEWAY_HTML = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>" \
               "</center><hr><center>nginx</center></body></html>"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one write per answer without a 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox %s", format % args, extra={"category": Category.API})

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # --- responses ------------------------------------------------------------------------------
    def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
        raw = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test); nothing to do

    def _answer(self, *, code: int = 0, data: Any = None, message: str = "OK", has_next: bool | None = None) -> None:
        payload: dict[str, Any] = {"code": code, "data": data if data is not None else {}, "message": message}
        if has_next is not None:
            payload["pagination"] = {"has_next": has_next}
        self._send(200, json.dumps(payload))

    # --- dispatch --------------------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        sandbox = self.server.sandbox
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length).decode() if length else ""
        if split.path.startswith(ADMIN_PREFIX):
            self._admin(method, split.path.removeprefix(ADMIN_PREFIX), raw_body)
            return
        if not split.path.startswith(API_PREFIX + "/"):
            self._send(404, "not found", "text/plain")
            return
        endpoint = split.path.removeprefix(API_PREFIX)
        delay = sandbox.latency_take(split.path, "before")
        if delay is not None:
            time.sleep(delay.seconds)
            if delay.drop:
                self._send(504, GATEWAY_HTML.replace("502 Bad Gateway", "504 Gateway Time-out"), "text/html")
                return
        failure = sandbox.failure_take(split.path)
        if failure is not None:
            if failure.http_status:
                self._send(failure.http_status, GATEWAY_HTML, "text/html")
            else:
                self._answer(code=failure.code or CODE_BAD_PARAMETER, message=failure.message)
            return
        route = ROUTES.get((method, endpoint))
        if route is None:
            self._send(404, "not found", "text/plain")
            return
        handler, signed, group, paginated = route
        if signed and not self._authenticated(method, raw_body):
            return
        if not sandbox.rate_allow(group):
            self._answer(code=CODE_RATE_LIMIT, message="Rate limit exceeded")
            return
        try:
            params: Any = dict(parse_qsl(split.query)) if method == "GET" else json.loads(raw_body or "{}")
        except ValueError:
            self._answer(code=CODE_BAD_PARAMETER, message="invalid JSON body")
            return
        if not isinstance(params, dict):
            self._answer(code=CODE_BAD_PARAMETER, message="the body must be a JSON object")
            return
        try:
            with sandbox.lock:
                result = handler(sandbox, params)
        except (ApiError, ExchangeError) as error:
            self._answer(code=error.code or CODE_BAD_PARAMETER, message=error.message)
            return
        delay = sandbox.latency_take(split.path, "after")
        if delay is not None:
            time.sleep(delay.seconds)
        if paginated:
            data, has_next = result
            self._answer(data=data, has_next=has_next)
        else:
            self._answer(data=result)
        sandbox.listeners_notify()

    def _authenticated(self, method: str, raw_body: str) -> bool:
        sandbox = self.server.sandbox
        if self.headers.get(HEADER_KEY) != sandbox.access_id:
            self._answer(code=CODE_ACCESS_ID, message="access_id not exist")
            return False
        try:
            timestamp_ms = int(self.headers.get(HEADER_TIMESTAMP) or "")
            window_ms = int(self.headers.get(HEADER_WINDOW) or DEFAULT_WINDOW_MS)
        except ValueError:
            self._answer(code=CODE_EXPIRED, message="invalid timestamp")
            return False
        if abs(sandbox.now_ms() - timestamp_ms) > window_ms:
            self._answer(code=CODE_EXPIRED, message="Expired request: the timestamp is outside the time window")
            return False
        if not signature_verify(secret_key=sandbox.secret_key, method=method, path_with_query=self.path,
                                body=raw_body, timestamp_ms=timestamp_ms, signature=self.headers.get(HEADER_SIGN, "")):
            self._answer(code=CODE_SIGNATURE, message="Signature verification failed")
            return False
        return True

    # --- admin hooks ----------------------------------------------------------------------------------
    def _admin(self, method: str, path: str, raw_body: str) -> None:
        sandbox = self.server.sandbox
        try:
            body = json.loads(raw_body or "{}")
            if method == "GET" and path == "/state":
                self._answer(data=self._state())
            elif method == "POST" and path == "/price":
                filled = sandbox.price_set(symbol=body["market"], price=Decimal(str(body["price"])))
                self._answer(data={"filled_order_ids": filled})
                sandbox.listeners_notify()
            elif method == "POST" and path == "/fail":
                sandbox.failures.append(InjectedFailure(
                    code=body.get("code"), message=body.get("message", "injected failure"),
                    http_status=body.get("http_status"), path=body.get("path"), count=int(body.get("count", 1))))
                self._answer()
            elif method == "POST" and path == "/latency":
                sandbox.latencies.append(InjectedLatency(
                    seconds=float(body["seconds"]), path=body.get("path"), count=int(body.get("count", 1)),
                    phase=body.get("phase", "after"), drop=bool(body.get("drop", False))))
                self._answer()
            elif method == "POST" and path == "/clock":
                sandbox.clock_skew_ms = int(body["skew_ms"])
                self._answer()
            elif method == "POST" and path == "/reset":
                sandbox.reset(balance=Decimal(str(body.get("balance", sandbox.starting_balance))))
                self._answer()
            elif method == "POST" and path == "/funding":
                self._funding(body)
            else:
                self._send(404, "unknown admin hook", "text/plain")
        except (KeyError, ValueError, TypeError, InvalidOperation, ExchangeError) as error:
            self._answer(code=CODE_BAD_PARAMETER, message=f"bad admin request: {error}")

    def _funding(self, body: dict[str, Any]) -> None:
        sandbox = self.server.sandbox
        symbol, rate = body["market"], Decimal(str(body["rate"]))
        with sandbox.lock:
            sandbox.funding_rates[symbol] = rate
            paid = sandbox.account.funding_apply(symbol=symbol, rate=rate) if body.get("settle") else Decimal(0)
        self._answer(data={"settled": f"{paid:f}"})

    def _state(self) -> dict[str, Any]:
        sandbox = self.server.sandbox
        with sandbox.lock:
            balance = sandbox.account.balance()
            return {
                "equity": f"{balance.equity:f}", "available": f"{balance.available:f}",
                "positions": sorted(sandbox.account.state.positions),
                "orders": len(sandbox.account.state.orders),
                "order_requests": dict(sandbox.request_counts),
                "clock_skew_ms": sandbox.clock_skew_ms,
            }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: SandboxExchange) -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox


class SandboxServer(LoopbackHttpServer):
    """Serve ``exchange`` on ``host:port`` (0 = a free port) in a background thread."""

    thread_name = "coinex-sandbox"

    def __init__(self, *, exchange: SandboxExchange, host: str = "127.0.0.1", port: int = 0) -> None:
        self.exchange = exchange
        super().__init__(_Server((host, port), exchange))

    @property
    def base_url(self) -> str:
        """The URL to give the client (``COINEX_BASE_URL``), ending in ``/v2``."""
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.host}:{self.port}{ADMIN_PREFIX}"
