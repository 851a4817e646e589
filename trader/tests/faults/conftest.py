"""Fixtures of the fault suite: the loopback CoinEx in live mode, a loopback Telegram, a Redis of
the test's own, and the alerts the code under test raised."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings

from coinex import factory
from coinex.sandbox import SandboxExchange, SandboxServer
from trader.services.status import trader_mode_set
from trader.testing.redis_server import RedisServer
from trader.testing.telegram import TelegramStub

ACCESS_ID = "FAULTSACCESSID0123456789ABCDEF"
SECRET_KEY = "faults-secret-key-0123456789abcdef0123"
TELEGRAM_TOKEN = "987654321:AAFaultSuiteTokenForTheLoopbackBotApi"
TELEGRAM_CHAT = "4242"
ORDER_PATH = "/v2/futures/order"


class Sandbox:
    """The loopback CoinEx server and its admin hooks."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server

    def post(self, hook: str, **body: Any) -> Any:
        payload = httpx.post(f"{self.server.admin_url}/{hook}", json=body, timeout=5).json()
        assert payload["code"] == 0, payload
        return payload["data"]

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.server.admin_url}/state", timeout=5).json()["data"]

    def positions(self) -> dict[str, Any]:
        """The sandbox's open positions by symbol (its own records, not through the client)."""
        with self.server.exchange.lock:
            return dict(self.server.exchange.account.state.positions)


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(exchange=SandboxExchange(access_id=ACCESS_ID, secret_key=SECRET_KEY))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live(sandbox_server, settings, operator) -> Sandbox:
    """Live mode, switched explicitly by an authenticated user, on the sandbox (1,000 USDT)."""
    sandbox_server.exchange.reset(balance=Decimal("1000"))
    settings.COINEX_BASE_URL = sandbox_server.base_url
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = ACCESS_ID, SECRET_KEY
    factory._live_clients.clear()  # a client cached by an earlier test has other timeouts
    trader_mode_set(mode="live", actor=operator, confirm_live=True)
    yield Sandbox(sandbox_server)
    factory._live_clients.clear()


@pytest.fixture
def telegram(settings) -> Iterator[TelegramStub]:
    """A loopback Telegram Bot API the alerts are configured to reach."""
    with TelegramStub(token=TELEGRAM_TOKEN, chat_id=TELEGRAM_CHAT) as stub:
        settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_CHAT_ID = TELEGRAM_TOKEN, TELEGRAM_CHAT
        settings.TELEGRAM_API_URL = stub.url
        yield stub


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A Redis of this test's own (the test may stop and restart it)."""
    server = RedisServer(log_dir=Path(django_settings.VAR_DIR) / "test-logs").start()
    yield server
    server.stop()


@pytest.fixture
def alerts(caplog):
    """``alerts(kind)``: the texts of the alerts of ``kind`` the code under test raised (every alert
    is logged by ``alert_send`` before delivery, which test_alerts_outage checks end to end)."""
    def raised(kind: str) -> list[str]:
        return [r.getMessage() for r in caplog.records if getattr(r, "alert", None) == kind]
    return raised
