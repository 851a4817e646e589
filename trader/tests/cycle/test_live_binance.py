"""A live-mode cycle through the real Binance USD-M adapter against the loopback Binance server.

The adapter is passed to the cycle directly: choosing the venue from the config is wired on
another branch. What holds here: the trader opens, protects (real STOP_MARKET and
TAKE_PROFIT_MARKET algo orders) and records the exchange's own stop-loss close on Binance
exactly as on CoinEx.
"""

from decimal import Decimal as D

import httpx
import pytest

from coinex.binance import BinanceUsdmClient
from coinex.client import ApiCredentials
from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer
from trader.cycle.run import cycle_run
from trader.models import CloseReason, Trade
from trader.services.status import trader_mode_set

pytestmark = pytest.mark.django_db

API_KEY = "TRADERBINANCEKEY0123456789"
SECRET_KEY = "trader-binance-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def binance_server():
    server = BinanceSandboxServer(sandbox=BinanceSandbox(api_key=API_KEY, secret_key=SECRET_KEY)).start()
    yield server
    server.stop()


@pytest.fixture
def binance(binance_server, operator):
    """Live mode (switched explicitly by an authenticated user) and the adapter on the loopback server."""
    binance_server.sandbox.reset(balance=D("1000"))
    trader_mode_set(mode="live", actor=operator, confirm_live=True, credentials_check=lambda: True,
                    venue_check=lambda **_: None)
    client = BinanceUsdmClient.create(base_url=binance_server.base_url, credentials=ApiCredentials(API_KEY, SECRET_KEY),
                                      timeout_s=5)
    yield client
    client.close()


def admin(client, hook, **body):
    answer = httpx.post(f"{client.transport.base_url}/_sandbox/{hook}", json=body, timeout=5).json()
    assert answer["code"] == 0, answer
    return answer["data"]


def state(client):
    return httpx.get(f"{client.transport.base_url}/_sandbox/state", timeout=5).json()["data"]


def test_a_live_cycle_on_binance_opens_protects_and_records_the_stop_loss_binance_fires(binance, market):
    admin(binance, "price", symbol="BTCUSDT", price="50000")
    market.scan("BTCUSDT", long=70, price="50000")
    log = cycle_run(exchange=binance)
    assert log.outcome == "ok", log.errors
    trade = Trade.objects.get()
    assert (trade.mode, trade.side) == ("live", "long")
    after_entry = state(binance)
    assert after_entry["margin_type"] == {"BTCUSDT": "ISOLATED"}
    protective = {a["orderType"]: a for a in after_entry["algo_orders"] if a["algoStatus"] == "NEW"}
    assert set(protective) == {"STOP_MARKET", "TAKE_PROFIT_MARKET"}
    assert all(a["closePosition"] and a["workingType"] == "MARK_PRICE" for a in protective.values())

    market.clear_scans()
    admin(binance, "price", symbol="BTCUSDT", price="49000")  # Binance's stop fires at the mark price
    market.price("BTCUSDT", "49000")
    log = cycle_run(exchange=binance)
    assert log.outcome == "ok", log.errors
    trade.refresh_from_db()
    assert trade.close_reason == CloseReason.STOP_LOSS
    assert trade.exit_price == D("49000")  # Binance's real fill
    assert binance.positions() == []


def test_the_watchdog_re_places_a_stop_loss_missing_on_binance(binance, market):
    admin(binance, "price", symbol="BTCUSDT", price="50000")
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=binance)
    market.clear_scans()
    stop = next(a for a in state(binance)["algo_orders"] if a["orderType"] == "STOP_MARKET")
    binance.transport.delete("/fapi/v1/algoOrder", params={"algoId": stop["algoId"]})  # someone cancelled it
    assert binance.position(symbol="BTCUSDT").stop_loss_price is None
    log = cycle_run(exchange=binance)
    assert any("re-placed missing stop-loss" in action for action in log.actions), log.actions
    assert binance.position(symbol="BTCUSDT").stop_loss_price == D(stop["triggerPrice"])
