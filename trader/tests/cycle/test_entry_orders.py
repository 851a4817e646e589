"""The order manager's lifecycle against the paper exchange: a limit entry rests, times out, is re-priced,
fills in part, gets its stop for the filled part, and the stop fires; races and restarts."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from coinex.dto import OrderSide, OrderType
from trader.cycle.run import cycle_run
from trader.models import CloseReason, Decision, EntryOrder, Trade
from trader.services.config import config_update

pytestmark = pytest.mark.django_db

LIMIT_CONFIG = {"entry_order_type": "limit", "limit_offset_pct": D("0.1"), "limit_timeout_s": 60,
                "limit_max_reprices": 2, "limit_abandon_pct": D("1.0")}


@pytest.fixture
def limit_entries(operator):
    config_update(changes=LIMIT_CONFIG, actor=operator)


def later(seconds: int):
    return timezone.now() + timedelta(seconds=seconds)


def test_market_entries_stay_the_default_and_record_no_entry_order(market, paper, dry_run):
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    assert Trade.objects.get().size == D("0.005")
    assert not EntryOrder.objects.exists()
    assert not paper.orders_pending()


def test_limit_entry_rests_times_out_reprices_fills_in_part_gets_its_stop_and_the_stop_fires(
        market, paper, dry_run, limit_entries):
    market.scan("BTCUSDT", long=65, price="50000")
    log = cycle_run(exchange=paper)
    assert log.outcome == "ok", log.errors
    entry = EntryOrder.objects.get()
    # 0.1 % below the signal, on the 0.1 tick; post-only; nothing filled, no position, no trade yet.
    assert (entry.state, entry.limit_price, entry.amount, entry.post_only) == ("pending", D("49950"), D("0.005"), True)
    [resting] = paper.orders_pending(symbol="BTCUSDT")
    assert (resting.type, resting.price, resting.client_id) == (OrderType.LIMIT, D("49950"), entry.client_id)
    assert paper.position(symbol="BTCUSDT") is None and not Trade.objects.exists()
    assert Decision.objects.get().outcome == "entered"

    market.clear_scans()
    market.price("BTCUSDT", "50100")  # 0.2 % away: re-priced, not abandoned
    cycle_run(exchange=paper, now=later(61))
    entry.refresh_from_db()
    assert (entry.state, entry.reprices, entry.limit_price) == ("pending", 1, D("50049.9"))
    [resting] = paper.orders_pending(symbol="BTCUSDT")
    assert resting.price == D("50049.9") and resting.client_id == entry.client_id
    assert paper.order_by_id(symbol="BTCUSDT", order_id=entry.exchange_order_id).status == "open"

    market.price("BTCUSDT", "50049.9")  # touches the limit: half the queue trades
    cycle_run(exchange=paper)
    entry.refresh_from_db()
    trade = Trade.objects.get()
    assert (entry.state, entry.filled_amount, entry.resting) == ("partially_filled", D("0.0025"), True)
    assert (trade.size, trade.entry_price) == (D("0.0025"), D("50049.9"))
    position = paper.position(symbol="BTCUSDT")
    assert position.amount == D("0.0025") and position.stop_loss_price is not None
    assert (entry.protection, entry.stop_price) == ("stop_placed", position.stop_loss_price)

    market.price("BTCUSDT", "50060")  # timed out again with a part filled: the rest is cancelled, the part kept
    cycle_run(exchange=paper, now=later(130))
    entry.refresh_from_db()
    assert (entry.state, entry.resting) == ("partially_filled", False)
    assert not paper.orders_pending(symbol="BTCUSDT")
    assert paper.position(symbol="BTCUSDT").amount == D("0.0025")

    market.price("BTCUSDT", "49000")  # the exchange's stop fires
    cycle_run(exchange=paper, now=later(140))
    trade.refresh_from_db()
    entry.refresh_from_db()
    assert trade.close_reason == CloseReason.STOP_LOSS
    assert entry.protection == "stop_triggered" and entry.closed_at is not None
    events = [item["event"] for item in entry.history]
    assert events == ["pending", "repriced", "partially_filled", "stop_placed", "partially_filled",
                      "stop_triggered"]


def test_a_price_that_ran_away_abandons_the_entry(market, paper, dry_run, limit_entries):
    market.scan("ETHUSDT", short=70, price="2400")
    cycle_run(exchange=paper)
    market.clear_scans()
    market.price("ETHUSDT", "2350")  # a short's price fell 2.08 % away from the signal
    cycle_run(exchange=paper, now=later(61))
    entry = EntryOrder.objects.get()
    assert (entry.state, entry.resting, entry.reprices) == ("abandoned", False, 0)
    assert "ran 2.08% away" in entry.detail
    assert not paper.orders_pending() and not Trade.objects.exists()


def test_without_reprices_left_a_timed_out_entry_is_cancelled(market, paper, dry_run, operator):
    config_update(changes={**LIMIT_CONFIG, "limit_max_reprices": 0}, actor=operator)
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    market.clear_scans()
    cycle_run(exchange=paper, now=later(61))
    entry = EntryOrder.objects.get()
    assert (entry.state, entry.resting) == ("cancelled", False)
    assert not paper.orders_pending()


def test_a_fill_racing_the_cancel_is_recorded_and_protected_not_repriced(market, paper, dry_run, limit_entries):
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    market.clear_scans()

    class FillsDuringCancel:
        """The paper exchange, where the price trades through the limit just as the cancel is sent."""

        def __getattr__(self, name):
            return getattr(paper, name)

        def order_cancel(self, *, symbol, order_id):
            market.prices["BTCUSDT"] = D("49900")
            return paper.order_cancel(symbol=symbol, order_id=order_id)

    cycle_run(exchange=FillsDuringCancel(), now=later(61))
    entry = EntryOrder.objects.get()
    assert (entry.state, entry.resting, entry.reprices, entry.filled_amount) == ("filled", False, 0, D("0.005"))
    assert Trade.objects.get().size == D("0.005")
    assert paper.position(symbol="BTCUSDT").stop_loss_price is not None
    assert not paper.orders_pending()  # no re-priced order on top of the fill


def test_a_pending_entry_blocks_a_second_entry_of_the_same_symbol(market, paper, dry_run, limit_entries):
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    cycle_run(exchange=paper)  # the same signal again while the order rests
    assert EntryOrder.objects.count() == 1
    assert len(paper.orders_pending(symbol="BTCUSDT")) == 1
    second = Decision.objects.order_by("-id").first()
    assert second.outcome == "skipped"
    assert second.reason == "no_open_position: already in a position or an entry order"


def test_a_resting_entry_counts_against_the_exposure_limits_of_the_next_cycle(market, paper, dry_run, operator):
    # One entry's margin (5 % of equity) fits a 6 % strategy limit; a second one does not, even
    # while the first only rests: it may fill at any moment, and both would then hold 10 %.
    config_update(changes={**LIMIT_CONFIG, "max_strategy_exposure_pct": D("6")}, actor=operator)
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    assert EntryOrder.objects.get().state == "pending" and not Trade.objects.exists()
    market.scan("ETHUSDT", long=65, price="2500")
    cycle_run(exchange=paper)
    eth = Decision.objects.filter(symbol="ETHUSDT").get()
    assert eth.outcome == "skipped"
    assert eth.reason == "strategy_exposure: scanner margin 49.95 + 50.00 is 10.00% of equity (at most 6.00%)"
    assert EntryOrder.objects.count() == 1 and not paper.orders_pending(symbol="ETHUSDT")


def test_after_a_restart_an_order_sent_but_not_recorded_is_adopted_not_sent_again(
        market, paper, dry_run, limit_entries):
    # A crash between the exchange's answer and its record: the row says pending without an order id.
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    entry = EntryOrder.objects.get()
    EntryOrder.objects.filter(pk=entry.pk).update(exchange_order_id="")
    cycle_run(exchange=paper)
    entry.refresh_from_db()
    [resting] = paper.orders_pending(symbol="BTCUSDT")
    assert entry.exchange_order_id == resting.order_id and entry.resting
    market.clear_scans()
    market.price("BTCUSDT", "49900")
    cycle_run(exchange=paper)
    entry.refresh_from_db()
    assert entry.state == "filled" and Trade.objects.get().size == D("0.005")


def test_after_a_restart_an_entry_that_never_reached_the_exchange_is_closed_and_nothing_resent(
        market, paper, dry_run, limit_entries):
    market.price("BTCUSDT", "50000")
    EntryOrder.objects.create(correlation_id="sig-crash", mode="dry-run", venue="coinex", symbol="BTCUSDT",
                              side="long", leverage=5, order_type="limit", signal_price=D("50000"),
                              limit_price=D("49950"), amount=D("0.005"), client_id="cteneversent000000000001")
    cycle_run(exchange=paper)
    entry = EntryOrder.objects.get()
    assert (entry.state, entry.resting, entry.detail) == ("cancelled", False, "never reached the exchange")
    assert not paper.orders_pending()


def test_an_order_resting_on_the_exchange_is_found_by_its_client_id(market, paper, dry_run, limit_entries):
    market.price("BTCUSDT", "50000")
    paper.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=D("0.004"),
                      price=D("49000"), client_id="cteadopted00000000000001")
    EntryOrder.objects.create(correlation_id="sig-adopt", mode="dry-run", venue="coinex", symbol="BTCUSDT",
                              side="long", leverage=5, order_type="limit", signal_price=D("50000"),
                              limit_price=D("49000"), amount=D("0.004"), client_id="cteadopted00000000000001")
    cycle_run(exchange=paper)
    entry = EntryOrder.objects.get()
    assert entry.resting and entry.exchange_order_id
    assert len(paper.orders_pending()) == 1


def test_an_emergency_stop_cancels_resting_entries_before_closing_so_nothing_opens_behind_it(
        market, paper, dry_run, limit_entries, operator):
    from trader.services.control import emergency_stop

    market.scan("BTCUSDT", long=65, price="50000")
    market.scan("ETHUSDT", short=70, price="2400")
    cycle_run(exchange=paper)
    market.clear_scans()
    market.price("ETHUSDT", "2403")  # the short fills at its limit (2402.4) ...
    cycle_run(exchange=paper)
    assert paper.position(symbol="ETHUSDT") is not None and len(paper.orders_pending()) == 1  # ... BTC still rests
    emergency_stop(actor=operator, exchange=paper)
    btc, eth = EntryOrder.objects.get(symbol="BTCUSDT"), EntryOrder.objects.get(symbol="ETHUSDT")
    assert (btc.state, btc.resting, btc.detail) == ("cancelled", False, "cancelled by the emergency stop")
    assert eth.protection == "closed"
    assert not paper.orders_pending() and not paper.positions()
    market.price("BTCUSDT", "49000")  # would have filled the BTC entry
    paper.prices_refresh()
    assert not paper.positions()
