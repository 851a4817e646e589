"""The order manager in live mode through the real CoinEx client against the loopback CoinEx server:
a post-only limit entry rests, times out, is re-priced, fills in part, gets its stop, and the stop fires."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from trader.cycle.run import cycle_run
from trader.models import CloseReason, Decision, EntryOrder, Trade
from trader.services.config import config_update
from trader.tests.cycle.test_live_sandbox import live, sandbox_price, sandbox_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_entries(operator):
    config_update(changes={"entry_order_type": "limit", "limit_offset_pct": D("0.1"), "limit_timeout_s": 60,
                           "limit_max_reprices": 1, "limit_abandon_pct": D("1.0")}, actor=operator)


def sandbox_orders(server) -> list:
    """The orders resting on the loopback server (its own account, read in-process)."""
    return server.exchange.account.orders_pending()


def sandbox_position(server, symbol):
    return server.exchange.account.state.positions.get(symbol)


def test_live_limit_entry_lifecycle_on_the_coinex_sandbox(live, market, limit_entries):  # noqa: F811
    sandbox_price(live, "BTCUSDT", "50000")
    market.scan("BTCUSDT", long=70, price="50000")
    log = cycle_run()
    assert log.outcome == "ok", log.errors
    entry = EntryOrder.objects.get()
    assert (entry.mode, entry.state, entry.limit_price, entry.post_only) == ("live", "pending", D("49950"), True)
    [resting] = sandbox_orders(live)
    assert (resting.price, resting.client_id, resting.post_only) == (D("49950"), entry.client_id, True)
    assert not Trade.objects.exists()

    market.clear_scans()
    sandbox_price(live, "BTCUSDT", "50100")
    market.price("BTCUSDT", "50100")
    cycle_run(now=timezone.now() + timedelta(seconds=61))  # timed out: re-priced at 0.1 % below 50100
    entry.refresh_from_db()
    assert (entry.reprices, entry.limit_price, entry.state) == (1, D("50049.9"), "pending")
    [resting] = sandbox_orders(live)
    assert (resting.price, resting.client_id) == (D("50049.9"), entry.client_id)

    sandbox_price(live, "BTCUSDT", "50049.9")  # a touch: half of it fills
    log = cycle_run()
    entry.refresh_from_db()
    trade = Trade.objects.get()
    assert entry.state == "partially_filled" and entry.filled_amount == trade.size == D("0.0025")
    assert entry.amount == D("0.005")
    position = sandbox_position(live, "BTCUSDT")
    assert position.amount == D("0.0025") and position.stop_loss_price == entry.stop_price
    assert not [action for action in log.actions if "missing" in action], log.actions
    assert entry.protection == "stop_placed"

    # A crash through the limit: the rest fills on the way down, then the exchange's stop closes all of it.
    sandbox_price(live, "BTCUSDT", "49000")
    market.price("BTCUSDT", "49000")
    cycle_run()
    trade.refresh_from_db()
    entry.refresh_from_db()
    assert (entry.state, entry.resting, entry.filled_amount) == ("filled", False, D("0.005"))
    assert (trade.size, trade.close_reason) == (D("0.005"), CloseReason.STOP_LOSS)
    assert entry.protection == "stop_triggered" and entry.closed_at is not None
    assert not sandbox_orders(live) and sandbox_position(live, "BTCUSDT") is None


def test_a_post_only_entry_that_would_take_is_refused_by_the_venue(live, market, operator):  # noqa: F811
    config_update(changes={"entry_order_type": "limit", "limit_offset_pct": D("0")}, actor=operator)
    sandbox_price(live, "BTCUSDT", "50000")
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run()
    entry = EntryOrder.objects.get()
    assert (entry.state, entry.resting) == ("rejected", False) and "post-only" in entry.detail
    assert Decision.objects.get().outcome == "failed"
    assert not sandbox_orders(live) and not Trade.objects.exists()
