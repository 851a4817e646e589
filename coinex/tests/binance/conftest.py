"""Fixtures of the Binance adapter tests: one loopback Binance USD-M server per session, reset per test."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from coinex.binance import BinanceUsdmClient
from coinex.client import ApiCredentials
from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer

API_KEY = "binanceSandboxApiKey0123456789abcdefABCDEF"
SECRET_KEY = "binance-sandbox-secret-0f1e2d3c4b5a69788796a5b4"


@pytest.fixture(scope="session")
def binance_server() -> Iterator[BinanceSandboxServer]:
    """The loopback Binance USD-M server for the whole session."""
    server = BinanceSandboxServer(sandbox=BinanceSandbox(api_key=API_KEY, secret_key=SECRET_KEY)).start()
    yield server
    server.stop()


class BinanceAdmin:
    """Calls to the server's admin hooks, and its state."""

    def __init__(self, server: BinanceSandboxServer) -> None:
        self.server = server
        self.sandbox = server.sandbox

    def post(self, hook: str, **body: Any) -> Any:
        response = httpx.post(f"{self.server.admin_url}/{hook}", json=body, timeout=5)
        payload = response.json()
        assert payload["code"] == 0, payload
        return payload["data"]

    def price(self, symbol: str, price: str) -> list[int]:
        return self.post("price", symbol=symbol, price=price)["filled_order_ids"]

    def fail(self, **body: Any) -> None:
        self.post("fail", **body)

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.server.admin_url}/state", timeout=5).json()["data"]


@pytest.fixture
def binance(binance_server: BinanceSandboxServer) -> Iterator[BinanceAdmin]:
    """The session's server, reset to 10,000 USDT, one-way mode and default prices and limits."""
    sandbox = binance_server.sandbox
    sandbox.weight_limit, sandbox.weight_window_s, sandbox.ban_s = 2400, 60, 120
    sandbox.reset(balance=Decimal("10000"))
    yield BinanceAdmin(binance_server)


def client_create(admin: BinanceAdmin, *, hedge_mode: bool = False, timeout_s: float = 2.0,
                  secret_key: str = SECRET_KEY) -> BinanceUsdmClient:
    """The real adapter pointed at the loopback server."""
    return BinanceUsdmClient.create(base_url=admin.server.base_url, credentials=ApiCredentials(API_KEY, secret_key),
                                    timeout_s=timeout_s, hedge_mode=hedge_mode)


@pytest.fixture
def client(binance: BinanceAdmin) -> Iterator[BinanceUsdmClient]:
    """The real one-way adapter against the loopback server."""
    adapter = client_create(binance)
    yield adapter
    adapter.close()
