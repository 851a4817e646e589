"""Records follow the exchange: crash recovery by client id, vanished and unknown positions, the watchdog."""

import dataclasses
from decimal import Decimal as D

import pytest

from coinex.dto import OrderSide, OrderType
from coinex.errors import ExchangeTemporaryError
from trader.cycle.run import cycle_run
from trader.models import CloseReason, Decision, OrderIntent, Trade

pytestmark = pytest.mark.django_db


class Wrapper:
    """The paper exchange with one behaviour changed by the test."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_crash_between_order_and_record_is_recovered_by_client_id_without_a_duplicate(market, paper, dry_run):
    class LosesTheAnswer(Wrapper):
        def order_place(self, **kwargs):
            self.inner.order_place(**kwargs)  # the exchange fills it ...
            raise ExchangeTemporaryError("connection reset before the answer arrived")  # ... we never hear back

    market.scan("BTCUSDT", long=70, price="50000")
    first = cycle_run(exchange=LosesTheAnswer(paper))
    assert OrderIntent.objects.get().state == "pending"
    assert not Trade.objects.exists()
    assert first.errors
    cycle_run(exchange=paper)
    intent = OrderIntent.objects.get(purpose="open")
    assert intent.state == "filled" and intent.trade is not None
    assert Trade.objects.count() == 1
    assert paper.position(symbol="BTCUSDT").amount == intent.amount, "one order, not two"
    assert Decision.objects.filter(symbol="BTCUSDT").first().reason.startswith("no_open_position")


def test_an_order_that_never_reached_the_exchange_is_marked_not_placed(market, paper, dry_run):
    OrderIntent.objects.create(client_id="ctoneverplaced000000000000000000", correlation_id="sig-x", symbol="BTCUSDT",
                               mode="dry-run", venue="coinex",
                               purpose="open", side="long", amount=D("0.001"), leverage=5, margin=D("10"))
    market.price("BTCUSDT", "50000")
    cycle_run(exchange=paper)
    assert OrderIntent.objects.get(client_id="ctoneverplaced000000000000000000").state == "not_placed"
    assert not paper.positions()


def test_a_position_stopped_out_on_the_exchange_is_recorded_as_a_stop_loss(market, paper, dry_run):
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    trade = Trade.objects.get()
    market.clear_scans()
    market.price("BTCUSDT", "49000")  # gaps through the stop: the exchange's stop-loss fills at market
    log = cycle_run(exchange=paper)
    trade.refresh_from_db()
    assert trade.close_reason == CloseReason.STOP_LOSS
    assert trade.stop_loss_price == D("49700")
    assert trade.exit_price == D("49000"), "the exchange's real fill, not the stop price"
    assert any("gone from the exchange" in action for action in log.actions)


def test_a_position_liquidated_on_the_exchange_is_recorded_as_a_liquidation(market, paper, dry_run):
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    trade = Trade.objects.get()
    liquidation = paper.position(symbol="BTCUSDT").liquidation_price
    assert trade.liquidation_price == liquidation and liquidation < trade.stop_loss_price
    market.clear_scans()
    crash = (liquidation * D("0.98")).quantize(D("0.1"))  # gaps through the stop and the liquidation price
    market.price("BTCUSDT", str(crash))
    log = cycle_run(exchange=paper)
    trade.refresh_from_db()
    assert trade.close_reason == CloseReason.LIQUIDATION, "not a stop loss: the margin is gone"
    assert abs(trade.exit_price - liquidation) <= D("0.1"), "filled at the liquidation price, not the crash price"
    assert trade.pnl < -trade.margin * D("0.95")
    assert any("recorded as liquidation" in action for action in log.actions)


def test_a_recorded_position_closed_elsewhere_is_closed_in_the_records_as_reconcile(market, paper, dry_run):
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    market.clear_scans()
    paper.position_close(symbol="BTCUSDT", client_id="closed-by-hand")
    cycle_run(exchange=paper)
    assert Trade.objects.get().close_reason == CloseReason.RECONCILE


def test_a_position_the_bot_did_not_open_is_flagged_not_adopted(market, paper, dry_run, operator, caplog):
    from trader.services.config import config_update

    config_update(changes={"max_positions": 1}, actor=operator)
    market.price("ETHUSDT", "3000")
    paper.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("0.1"),
                      client_id="opened-by-hand")
    market.scan("BTCUSDT", long=70, price="50000")
    log = cycle_run(exchange=paper)
    assert "flagged unknown position ETHUSDT" in log.actions
    assert not Trade.objects.exists(), "not adopted"
    assert "Unknown position" in caplog.text
    assert Decision.objects.get(symbol="BTCUSDT").reason == "max_positions: 1 open of at most 1"


def test_the_watchdog_replaces_a_missing_stop_loss_and_alerts(market, paper, dry_run, caplog):
    class LostStops(Wrapper):
        def positions(self):
            return [dataclasses.replace(p, stop_loss_price=None) for p in self.inner.positions()]

    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    market.clear_scans()
    log = cycle_run(exchange=LostStops(paper))
    assert "re-placed missing stop-loss of BTCUSDT" in log.actions
    assert "Protective order missing" in caplog.text
    assert paper.position(symbol="BTCUSDT").stop_loss_price == Trade.objects.get().stop_loss_price


def test_the_trailing_stop_is_moved_on_the_exchange(market, paper, dry_run):
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    assert paper.position(symbol="BTCUSDT").stop_loss_price == D("49700")  # -3 % of margin at 5x
    market.clear_scans()
    market.price("BTCUSDT", "50400")  # best +4 % of margin >= 3 %: the stop trails at +1 % = 50100
    log = cycle_run(exchange=paper)
    assert "moved the trailing stop of BTCUSDT to 50100" in " ".join(log.actions)
    assert paper.position(symbol="BTCUSDT").stop_loss_price == D("50100")
    market.price("BTCUSDT", "50090")
    cycle_run(exchange=paper)
    trade = Trade.objects.get()
    assert trade.close_reason == CloseReason.TRAILING and trade.pnl > 0, "the trailed stop locked in a gain"


def test_in_dry_run_a_new_candle_lets_the_paper_stop_fire_near_where_it_was_crossed(market, dry_run, settings):
    from coinex.paper import PaperConfig, PaperExchange
    from trader.services.control import paper_prices_refresh

    settings.COINEX_PAPER_SLIPPAGE_PCT = 0
    default_paper = PaperExchange(config=PaperConfig.from_settings())  # the account the factory uses
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=default_paper)
    market.clear_scans()
    market.price("BTCUSDT", "49650")  # just through the 49700 stop
    assert paper_prices_refresh() == 1
    market.price("BTCUSDT", "48000")  # the market falls further before the next cycle
    cycle_run(exchange=default_paper)
    trade = Trade.objects.get()
    assert trade.close_reason == CloseReason.STOP_LOSS and trade.exit_price == D("49650")
