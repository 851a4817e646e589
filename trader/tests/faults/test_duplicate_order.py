"""Issue 16 item 2: a slow order request never becomes two orders, and a size mismatch never goes unnoticed.

The gateway's delay is made longer than the client's timeout with the sandbox's latency
hook. Before the fix the client looked the order up at once, found nothing (the original
was still waiting at the gateway), resent it, and the original landed too: two orders
with one client id. The resend rule now waits out CoinEx's request window first.
"""

import time
from datetime import timedelta
from decimal import Decimal as D

import pytest

from coinex.client import ApiCredentials, CoinExClient
from coinex.dto import OrderSide, OrderType
from trader.cycle.run import cycle_run
from trader.models import OrderIntent, Trade
from trader.tests.faults.conftest import ACCESS_ID, ORDER_PATH, SECRET_KEY

pytestmark = pytest.mark.django_db

CLIENT_TIMEOUT_S = 0.4
WINDOW_MS = 1500  # CoinEx's default is 5000; shorter here to keep the test quick


@pytest.fixture
def impatient(sandbox_server):
    """The real client with a timeout shorter than the gateway delays below."""
    sandbox_server.exchange.reset(balance=D("10000"))
    client = CoinExClient.create(base_url=sandbox_server.base_url, credentials=ApiCredentials(ACCESS_ID, SECRET_KEY),
                                 timeout_s=CLIENT_TIMEOUT_S, request_window_ms=WINDOW_MS)
    client.markets()
    yield client
    client.close()


@pytest.mark.parametrize(("delay_s", "drop", "what"), [
    (1.0, False, "the original lands inside the request window: found, not resent"),
    (1.0, True, "the gateway loses the original: resent once after the window"),
    (2.2, False, "the original arrives after the window: CoinEx refuses it, the resend is the only order"),
])
def test_a_request_slower_than_the_client_timeout_leaves_exactly_one_order(impatient, live, delay_s, drop, what):
    live.post("latency", seconds=delay_s, path=ORDER_PATH, phase="before", drop=drop)
    order = impatient.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("0.05"),
                                  client_id="slow-order-1")
    assert order.client_id == "slow-order-1"
    if not drop:  # let the delayed original reach the exchange (or be refused) before counting
        time.sleep(max(0.0, delay_s - CLIENT_TIMEOUT_S) + 0.3)
    assert live.state()["order_requests"] == {"order:slow-order-1": 1}, what
    (position,) = impatient.positions()
    assert position.amount == D("0.05"), what


def test_a_live_cycle_with_a_slow_gateway_records_the_one_position_it_holds(live, market, settings, alerts):
    settings.COINEX_TIMEOUT_S, settings.COINEX_REQUEST_WINDOW_MS = CLIENT_TIMEOUT_S, WINDOW_MS
    market.scan("ETHUSDT", long=70, price="2392.63")
    live.post("latency", seconds=1.0, path=ORDER_PATH, phase="before")

    log = cycle_run()
    time.sleep(1.0)  # the delayed original has reached the sandbox (or been refused) by now

    assert log.outcome == "ok", log.errors
    trade = Trade.objects.get()
    intent = OrderIntent.objects.get(purpose="open")
    assert live.state()["order_requests"] == {f"order:{intent.client_id}": 1}
    assert live.positions()["ETHUSDT"].amount == trade.size
    cycle_run()  # the next cycle's reconciliation agrees
    trade.refresh_from_db()
    assert trade.exchange_size is None and alerts("size_mismatch") == []


def test_reconciliation_flags_and_alerts_once_a_position_twice_the_recorded_size(live, market, alerts):
    market.scan("ETHUSDT", long=70, price="2392.63")
    assert cycle_run().outcome == "ok"
    trade = Trade.objects.get()
    intent = OrderIntent.objects.get(purpose="open")
    # What the old resend rule produced: the same order a second time, with the same client id.
    duplicate = CoinExClient.create(base_url=live.server.base_url, credentials=ApiCredentials(ACCESS_ID, SECRET_KEY))
    duplicate.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=trade.size,
                          client_id=intent.client_id)
    market.clear_scans()

    first = cycle_run()
    second = cycle_run()

    trade.refresh_from_db()
    assert trade.exchange_size == 2 * trade.size
    assert any("size mismatch" in action for action in first.actions), first.actions
    (alert,) = alerts("size_mismatch")  # once, not on every cycle while it lasts
    size = trade.size.normalize()
    assert f"recorded long {size:f}, the exchange holds long {2 * size:f}" in alert
    assert second.outcome == "ok"


def test_a_pending_order_not_found_yet_is_not_written_off_while_it_could_still_land(live, settings):
    settings.COINEX_TIMEOUT_S, settings.COINEX_REQUEST_WINDOW_MS = CLIENT_TIMEOUT_S, WINDOW_MS
    intent = OrderIntent.objects.create(client_id="cto-in-flight", correlation_id="sig-x", symbol="ETHUSDT",
                                        mode="live", purpose="open", side="long", amount=D("0.05"), leverage=5)

    young = cycle_run()
    intent.refresh_from_db()
    assert intent.state == "pending", young.actions

    OrderIntent.objects.filter(pk=intent.pk).update(created_at=intent.created_at - timedelta(seconds=30))
    cycle_run()
    intent.refresh_from_db()
    assert intent.state == "not_placed"
