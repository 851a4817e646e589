"""Fixtures of the coinex tests: one loopback CoinEx server per session, reset per test."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from coinex.client import ApiCredentials, CoinExClient
from coinex.sandbox import SandboxExchange, SandboxServer

ACCESS_ID = "SANDBOXACCESSID0123456789ABCDEF"
SECRET_KEY = "sandbox-secret-key-9f8e7d6c5b4a39281706"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """The loopback CoinEx server for the whole session."""
    server = SandboxServer(exchange=SandboxExchange(access_id=ACCESS_ID, secret_key=SECRET_KEY))
    server.start()
    yield server
    server.stop()


class SandboxAdmin:
    """Calls to the sandbox's admin hooks."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server

    def post(self, hook: str, **body: Any) -> Any:
        response = httpx.post(f"{self.server.admin_url}/{hook}", json=body, timeout=5)
        payload = response.json()
        assert payload["code"] == 0, payload
        return payload["data"]

    def price(self, symbol: str, price: str) -> list[int]:
        return self.post("price", market=symbol, price=price)["filled_order_ids"]

    def fail(self, **body: Any) -> None:
        self.post("fail", **body)

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.server.admin_url}/state", timeout=5).json()["data"]


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxAdmin:
    """The session's sandbox, reset to 10,000 USDT and default prices."""
    sandbox_server.exchange.reset(balance=Decimal("10000"))
    return SandboxAdmin(sandbox_server)


@pytest.fixture
def client(sandbox: SandboxAdmin) -> Iterator[CoinExClient]:
    """The real live client pointed at the sandbox with the accepted key pair."""
    coinex = CoinExClient.create(base_url=sandbox.server.base_url, credentials=ApiCredentials(ACCESS_ID, SECRET_KEY),
                                 timeout_s=2.0)
    yield coinex
    coinex.close()
