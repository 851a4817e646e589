"""A loopback HTTP server that answers like Binance's klines endpoints, from real candles.

It serves ``GET /api/v3/klines`` (spot, limit <= 1000) and ``GET /fapi/v1/klines``
(USD-M, limit <= 1500) from files in the shared klines format, with Binance's
parameter semantics (startTime/endTime/limit, default limit 500), its row layout, its
``X-MBX-USED-WEIGHT-1M`` header and its error bodies. Faults are queued per request:
429 with Retry-After, 418 (ban), 451 (regional block), 5xx, a stall longer than the
client's timeout, malformed JSON, a malformed row. The real ``BinanceSource`` runs
against it unchanged; only the base URL differs. Kline rows carry plausible quote and
taker-buy volumes (``kline_taker_fields``: the files have none). The USD-M public data
endpoints (open interest, ratios, taker volume, funding) are answered by
``ta.testing.fake_derivatives`` from the same files, with the same faults.

Usage::

    with FakeBinance(klines_dir, now=datetime(2024, 6, 1, tzinfo=UTC)) as fake:
        source = BinanceSource(base_url=fake.base_url)
        fake.faults.append(Fault.too_many_requests(retry_after_s=2))
"""

from __future__ import annotations

import bisect
import csv
import gzip
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ta.sources.base import to_millis
from ta.timeframes import TIMEFRAME_DURATIONS

SPOT_PATH = "/api/v3/klines"
FUTURES_PATH = "/fapi/v1/klines"
MAX_LIMIT = {SPOT_PATH: 1000, FUTURES_PATH: 1500}
# The USD-M public data endpoints (derivatives_endpoints.py holds the served rows).
DATA_PATHS = (
    "/futures/data/openInterestHist",
    "/futures/data/globalLongShortAccountRatio",
    "/futures/data/topLongShortAccountRatio",
    "/futures/data/topLongShortPositionRatio",
    "/futures/data/takerlongshortRatio",
)
FUNDING_PATH = "/fapi/v1/fundingRate"
DEFAULT_LIMIT = 500
SPOT_REQUEST_WEIGHT = 2
# Binance's own error bodies (https://developers.binance.com/docs/binance-spot-api-docs/errors).
BODY_429 = {"code": -1003, "msg": "Too much request weight used; current limit is 1200 request weight per 1 MINUTE. "
            "Please use WebSocket Streams for live updates to avoid polling the API."}
BODY_451 = {"code": 0, "msg": "Service unavailable from a restricted location according to 'b. Eligibility' in "
            "https://www.binance.com/en/terms. Please contact customer service if you believe you received this "
            "message in error."}
BODY_INVALID_SYMBOL = {"code": -1121, "msg": "Invalid symbol."}
BODY_INVALID_INTERVAL = {"code": -1120, "msg": "Invalid interval."}
BODY_INVALID_LIMIT = {"code": -1130, "msg": "Data sent for parameter 'limit' is not valid."}


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, used for the next request instead of a normal answer."""

    kind: str  # "429", "418", "451", "500", "stall", "malformed_json", "malformed_row"
    retry_after_s: int = 0
    stall_s: float = 0.0
    banned_until_ms: int = 0

    @classmethod
    def too_many_requests(cls, *, retry_after_s: int) -> Fault:
        return cls("429", retry_after_s=retry_after_s)

    @classmethod
    def banned(cls, *, retry_after_s: int, banned_until_ms: int) -> Fault:
        return cls("418", retry_after_s=retry_after_s, banned_until_ms=banned_until_ms)

    @classmethod
    def region_blocked(cls) -> Fault:
        return cls("451")

    @classmethod
    def server_error(cls) -> Fault:
        return cls("500")

    @classmethod
    def stall(cls, *, seconds: float) -> Fault:
        return cls("stall", stall_s=seconds)

    @classmethod
    def malformed_json(cls) -> Fault:
        return cls("malformed_json")

    @classmethod
    def malformed_row(cls) -> Fault:
        return cls("malformed_row")


@dataclass
class _Series:
    open_ms: list[int]
    rows: list[list[str]]  # the CSV's own strings: open, high, low, close, volume


@dataclass
class RecordedRequest:
    path: str
    params: dict[str, str]


@dataclass
class FakeBinance:
    """The server; ``now`` is its present (candles opening after it do not exist yet)."""

    klines_dir: Path
    now: datetime
    start_weight: int = 0
    # The minute Binance's weight window is in (calendar minute); tests may freeze it.
    weight_minute: Callable[[], int] = field(default=lambda: int(time.time() // 60))
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._series: dict[tuple[str, str], _Series | None] = {}
        self._lock = threading.Lock()
        self._used_weight = self.start_weight
        self._weight_minute = self.weight_minute()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> FakeBinance:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Serve on a free port of 127.0.0.1 in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-binance", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def weight_reset(self, used_weight: int = 0) -> None:
        """Start the current minute's used weight at ``used_weight``."""
        with self._lock:
            self._used_weight, self._weight_minute = used_weight, self.weight_minute()

    @property
    def klines_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/klines")]

    @property
    def data_requests(self) -> list[RecordedRequest]:
        """Requests to the derivatives endpoints (the public data ones and the funding rate)."""
        return [r for r in self.requests if r.path in DATA_PATHS or r.path == FUNDING_PATH]

    # --- data ----------------------------------------------------------------------------
    def series_rows(self, symbol: str, interval: str) -> _Series | None:
        """The file's rows of a symbol and interval (loaded once), or None when absent."""
        key = (symbol, interval)
        with self._lock:
            if key not in self._series:
                path = self.klines_dir / f"{symbol}-{interval}.csv.gz"
                if not path.exists():
                    self._series[key] = None
                else:
                    with gzip.open(path, "rt", newline="") as handle:
                        reader = csv.reader(handle)
                        next(reader)
                        rows = list(reader)
                    self._series[key] = _Series([int(row[0]) for row in rows], [row[1:] for row in rows])
            return self._series[key]

    # --- request handling ---------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        self.requests.append(RecordedRequest(parts.path, params))
        is_data = parts.path in DATA_PATHS or parts.path == FUNDING_PATH
        if parts.path not in MAX_LIMIT and not is_data:
            self._send(handler, 404, {"code": -1, "msg": "Not found"})
            return
        weight = self._add_weight(parts.path, params)
        fault = self.faults.popleft() if self.faults else None
        if fault is not None and self._fault(handler, fault, weight):
            return
        if is_data:
            from ta.testing.fake_derivatives import data_answer

            status, body = data_answer(self, parts.path, params)
            self._send(handler, status, body, weight)
            return
        self._klines(handler, parts.path, params, weight, malformed_row=fault is not None)

    def _add_weight(self, path: str, params: dict[str, str]) -> int:
        with self._lock:
            minute = self.weight_minute()
            if minute != self._weight_minute:
                self._weight_minute, self._used_weight = minute, 0
            self._used_weight += _request_weight(path, params)
            return self._used_weight

    def _fault(self, handler: BaseHTTPRequestHandler, fault: Fault, weight: int) -> bool:
        """Answer with ``fault``; False for a malformed row, which needs the normal answer first."""
        if fault.kind == "429":
            self._send(handler, 429, BODY_429, weight, {"Retry-After": str(fault.retry_after_s)})
        elif fault.kind == "418":
            body = {"code": -1003, "msg": f"Way too much request weight used; IP banned until "
                    f"{fault.banned_until_ms}. Please use WebSocket Streams for live updates to avoid bans."}
            self._send(handler, 418, body, weight, {"Retry-After": str(fault.retry_after_s)})
        elif fault.kind == "451":
            self._send(handler, 451, BODY_451)
        elif fault.kind == "500":
            self._send(handler, 502, None, raw=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        elif fault.kind == "stall":
            time.sleep(fault.stall_s)
            self._send(handler, 200, [], weight)
        elif fault.kind == "malformed_json":
            self._send(handler, 200, None, weight, raw=b'[[1717200000000,"67000.1","67100.0"')
        else:
            return False
        return True

    def _klines(self, handler: BaseHTTPRequestHandler, path: str, params: dict[str, str], weight: int,
                *, malformed_row: bool = False) -> None:
        symbol, interval = params.get("symbol", ""), params.get("interval", "")
        if interval not in TIMEFRAME_DURATIONS:
            self._send(handler, 400, BODY_INVALID_INTERVAL, weight)
            return
        try:
            limit = int(params.get("limit", DEFAULT_LIMIT))
        except ValueError:
            limit = -1
        if not 1 <= limit <= MAX_LIMIT[path]:
            self._send(handler, 400, BODY_INVALID_LIMIT, weight)
            return
        series = self.series_rows(symbol, interval)
        if series is None:
            self._send(handler, 400, BODY_INVALID_SYMBOL, weight)
            return
        step_ms = int(TIMEFRAME_DURATIONS[interval] / timedelta(milliseconds=1))
        now_ms = to_millis(self.now)
        end_ms = min(int(params.get("endTime", now_ms)), now_ms)
        last = bisect.bisect_right(series.open_ms, end_ms)
        if "startTime" in params:
            first = bisect.bisect_left(series.open_ms, int(params["startTime"]))
            last = min(last, first + limit)
        else:
            first = max(0, last - limit)
        rows = []
        for index in range(first, last):
            open_ms = series.open_ms[index]
            open_, high, low, close, volume = series.rows[index]
            quote, taker_base, taker_quote = kline_taker_fields(open_ms, open_, high, low, close, volume)
            rows.append([open_ms, open_, high, low, close, volume, open_ms + step_ms - 1, quote, 0, taker_base,
                         taker_quote, "0"])
        if malformed_row and rows:
            rows[len(rows) // 2][2] = "not-a-number"
        self._send(handler, 200, rows, weight)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: object, weight: int | None = None,
              headers: dict[str, str] | None = None, *, raw: bytes | None = None,
              content_type: str = "application/json;charset=UTF-8") -> None:
        payload = raw if raw is not None else json.dumps(body, separators=(",", ":")).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        if weight is not None:
            handler.send_header("X-MBX-USED-WEIGHT-1M", str(weight))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a stall test): nothing to answer to


def taker_buy_fraction(open_ms: int, open_: str, close: str) -> float:
    """The share of a candle's volume bought by takers: deterministic, 0.55 +- 0.1 on a rising
    candle, 0.45 +- 0.1 on a falling one (the files have no taker fields; Binance's do)."""
    noise = ((open_ms // 60_000) * 2654435761 % 1000) / 1000 - 0.5  # Knuth's multiplicative hash
    return (0.55 if Decimal(close) >= Decimal(open_) else 0.45) + 0.2 * noise


def kline_taker_fields(open_ms: int, open_: str, high: str, low: str, close: str, volume: str) -> tuple[str, str, str]:
    """Plausible quote volume, taker buy base and taker buy quote volume of a file's candle (strings,
    as Binance sends them): quote = volume x typical price, taker buy = a deterministic fraction."""
    typical = (Decimal(high) + Decimal(low) + Decimal(close)) / 3
    base = Decimal(volume)
    quote = (base * typical).quantize(Decimal("0.00000001"))
    fraction = Decimal(str(round(taker_buy_fraction(open_ms, open_, close), 4)))
    return str(quote), str((base * fraction).quantize(Decimal("0.00000001"))), str((quote * fraction).quantize(
        Decimal("0.00000001")))


def _request_weight(path: str, params: dict[str, str]) -> int:
    """Binance's weights: spot klines 2; USD-M klines 1/2/5/10 by limit; the data endpoints 1
    (their own limit is per IP and 5 minutes: ``FakeBinance.data_requests``)."""
    if path in DATA_PATHS or path == FUNDING_PATH:
        return 1
    if path == SPOT_PATH:
        return SPOT_REQUEST_WEIGHT
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        return 1
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10

