"""Every route of the API with a valid request, for the tests that sweep them all."""

from __future__ import annotations

READS = [
    "/api/v1/config", "/api/v1/config/history", "/api/v1/account", "/api/v1/account/config", "/api/v1/positions",
    "/api/v1/status", "/api/v1/logs", "/api/v1/logs/trades", "/api/v1/trades", "/api/v1/decisions", "/api/v1/orders",
    "/api/v1/cycles", "/api/v1/symbols", "/api/v1/candles/BTCUSDT", "/api/v1/ta/BTCUSDT", "/api/v1/scan",
    "/api/trader/status", "/api/trader/logs", "/api/v1/backtests", "/api/v1/backtests/studies",
]

# (method, path, body): requests that would change something if they were allowed.
WRITES = [
    ("patch", "/api/v1/config", {"max_positions": 2}),
    ("post", "/api/v1/config/reset", None),
    ("put", "/api/v1/account/config", {"access_id": "AB12CD34EF56GH78", "secret_key": "s3cret-value-123"}),
    ("put", "/api/v1/account/config?venue=binance", {"access_id": "AB12CD34EF56GH78", "secret_key": "s3cret-123"}),
    ("delete", "/api/v1/account/config?venue=binance", None),
    ("post", "/api/v1/account/test", None),
    ("post", "/api/v1/positions/BTCUSDT/close", None),
    ("post", "/api/v1/positions/close-all", None),
    ("post", "/api/v1/status/enable", None),
    ("post", "/api/v1/status/disable", None),
    ("post", "/api/v1/status/mode", {"mode": "dry-run"}),
    ("delete", "/api/v1/status/lockfile", None),
    ("post", "/api/v1/kill-switch/rearm", {"equity": "1000"}),
    ("post", "/api/v1/emergency-stop", None),
    ("post", "/api/trader/config", {"max_positions": 2}),
    ("post", "/api/trader/control", {"action": "stop"}),
    ("post", "/api/trader/close-position", {"symbol": "BTCUSDT"}),
    ("post", "/api/trader/close-all", None),
    ("post", "/api/v1/backtests", {"strategy": "ema_cross", "symbols": ["SOLUSDT"], "start": "2024-02-01",
                                   "end": "2024-02-04", "source": "files", "tp_pct": 0.5, "sl_pct": 0.5}),
]


def send(client, method: str, path: str, body: dict | None = None):
    """``client.<method>(path, body as JSON)``."""
    return getattr(client, method)(path, body, format="json")
