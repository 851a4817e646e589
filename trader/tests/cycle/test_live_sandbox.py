"""A live-mode cycle through the real CoinEx client against the loopback CoinEx server."""

from decimal import Decimal as D

import httpx
import pytest

from coinex.sandbox import SandboxExchange, SandboxServer
from trader.cycle.run import cycle_run
from trader.models import CloseReason, Decision, Trade
from trader.services.status import trader_mode_set

pytestmark = pytest.mark.django_db

ACCESS_ID = "TRADERTESTACCESSID0123456789AB"
SECRET_KEY = "trader-test-secret-key-0123456789abcdef"


@pytest.fixture(scope="module")
def sandbox_server():
    server = SandboxServer(exchange=SandboxExchange(access_id=ACCESS_ID, secret_key=SECRET_KEY))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live(sandbox_server, settings, operator):
    """Live mode, switched explicitly by an authenticated user, on the sandbox's key pair."""
    sandbox_server.exchange.reset(balance=D("1000"))
    settings.COINEX_BASE_URL = sandbox_server.base_url
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = ACCESS_ID, SECRET_KEY
    trader_mode_set(mode="live", actor=operator, confirm_live=True)
    return sandbox_server


def sandbox_price(server, symbol, price):
    answer = httpx.post(f"{server.admin_url}/price", json={"market": symbol, "price": price}, timeout=5).json()
    assert answer["code"] == 0, answer


def test_live_cycle_opens_on_the_exchange_and_records_the_stop_loss_it_fires(live, market):
    sandbox_price(live, "BTCUSDT", "50000")
    market.scan("BTCUSDT", long=70, price="50000")
    log = cycle_run()
    assert log.outcome == "ok", log.errors
    trade = Trade.objects.get()
    assert (trade.mode, trade.side, trade.leverage) == ("live", "long", 5)
    state = httpx.get(f"{live.admin_url}/state", timeout=5).json()["data"]
    assert "BTCUSDT" in str(state["positions"])
    market.clear_scans()
    sandbox_price(live, "BTCUSDT", "49000")  # the exchange's stop-loss fires
    market.price("BTCUSDT", "49000")
    cycle_run()
    trade.refresh_from_db()
    assert trade.close_reason == CloseReason.STOP_LOSS


def test_wrong_credentials_lock_the_trader(live, market, settings):
    settings.COINEX_SECRET_KEY = "not-the-secret-the-exchange-knows-00000"
    log = cycle_run()
    assert log.outcome == "failed"
    from trader.services.status import status_get

    status = status_get()
    assert status.lock_kind == "circuit_breaker" and "authentication failed" in status.lock_reason
    assert settings.COINEX_SECRET_KEY not in " ".join(log.errors)


def test_a_market_the_venue_no_longer_lists_takes_no_live_entry_but_exits_still_run(live, market, monkeypatch):
    sandbox_price(live, "BTCUSDT", "50000")
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run()
    trade = Trade.objects.get()
    market.clear_scans()
    monkeypatch.delitem(live.exchange.markets, "ETHUSDT")  # CoinEx stops listing ETHUSDT
    market.scan("ETHUSDT", long=70, price="2400")
    sandbox_price(live, "BTCUSDT", "49000")  # the open BTCUSDT position's stop-loss fires
    market.price("BTCUSDT", "49000")
    log = cycle_run()
    assert log.outcome == "ok", log.errors
    refused = Decision.objects.get(symbol="ETHUSDT")
    assert refused.outcome == Decision.Outcome.SKIPPED
    assert refused.reason.startswith("venue: ETHUSDT on coinex is closed")
    assert Trade.objects.count() == 1  # no ETHUSDT trade
    trade.refresh_from_db()
    assert trade.close_reason == CloseReason.STOP_LOSS  # the exit was still recorded
