"""The paper exchange: same protocol, state in the database, prices from a provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from coinex.dto import MarginMode, OrderSide, OrderStatus, OrderType
from coinex.errors import ExchangeTemporaryError, OrderRejected
from coinex.exchange import Exchange
from coinex.models import PaperAccount
from coinex.paper import PaperConfig, PaperExchange
from coinex.paper.services import paper_account_reset

D = Decimal
pytestmark = pytest.mark.django_db


class Prices:
    """A price provider the test moves by hand."""

    def __init__(self, **prices: str) -> None:
        self.prices = {symbol: D(price) for symbol, price in prices.items()}

    def __call__(self, symbol: str) -> Decimal | None:
        return self.prices.get(symbol)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def paper(prices: Prices, **config: str) -> PaperExchange:
    return PaperExchange(price_provider=prices, config=PaperConfig(**{k: D(v) for k, v in config.items()}))


def test_it_is_an_exchange_with_the_default_starting_balance():
    exchange = paper(Prices())
    assert isinstance(exchange, Exchange)
    assert exchange.balance().equity == D("1000")


def test_market_order_fills_at_the_market_price_with_taker_fee_and_slippage():
    prices = Prices(SOLUSDT="100")
    exchange = paper(prices, slippage_pct="0.1")
    exchange.leverage_set(symbol="SOLUSDT", leverage=10, margin_mode=MarginMode.ISOLATED)
    order = exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("1"),
                                 client_id="p1")
    assert order.average_price == D("100.1")  # 0.1 % slippage against the buyer
    assert order.fee == D("0.05005")  # 100.1 * 1 * 0.05 % (default taker fee)
    prices.prices["SOLUSDT"] = D("110")
    position = exchange.position(symbol="SOLUSDT")
    assert position.unrealized_pnl == D("9.9") and position.mark_price == D("110")


def test_state_survives_a_restart():
    prices = Prices(SOLUSDT="100")
    paper(prices).order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("1"),
                              client_id="p1")
    restarted = paper(prices)
    assert [p.symbol for p in restarted.positions()] == ["SOLUSDT"]
    assert restarted.order_by_client_id(symbol="SOLUSDT", client_id="p1").status == OrderStatus.FILLED


def test_the_same_client_id_never_places_twice():
    exchange = paper(Prices(SOLUSDT="100"))
    first = exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("1"),
                                 client_id="once")
    again = exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("1"),
                                 client_id="once")
    assert again.order_id == first.order_id
    assert exchange.position(symbol="SOLUSDT").amount == D("1")


def test_take_profit_fires_on_the_next_call_after_the_price_moved():
    prices = Prices(SOLUSDT="100")
    exchange = paper(prices, slippage_pct="0")
    exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("10"), client_id="o")
    exchange.position_take_profit_set(symbol="SOLUSDT", price=D("105"))
    exchange.position_stop_loss_set(symbol="SOLUSDT", price=D("95"))
    prices.prices["SOLUSDT"] = D("106")
    (fill,) = exchange.prices_refresh()
    assert fill.client_id.startswith("tp-") and fill.realized_pnl == D("60")
    assert exchange.positions() == []
    assert exchange.balance().equity == D("1000") - D("0.5") + D("60") - D("0.53")
    latest, opening = exchange.orders_finished(symbol="SOLUSDT")
    assert (latest.order_id, opening.client_id) == (fill.order_id, "o")


def test_trailing_stop_on_paper():
    prices = Prices(SOLUSDT="100")
    exchange = paper(prices, slippage_pct="0")
    exchange.order_place(symbol="SOLUSDT", side=OrderSide.SELL, type=OrderType.MARKET, amount=D("10"), client_id="o")
    exchange.position_trailing_stop_set(symbol="SOLUSDT", callback_pct=D("2"))
    prices.prices["SOLUSDT"] = D("90")
    assert exchange.position(symbol="SOLUSDT").stop_loss_price == D("91.8")  # 90 + 2 %
    prices.prices["SOLUSDT"] = D("91.8")
    assert exchange.positions() == []


def test_limit_order_rests_until_crossed_and_can_be_cancelled():
    prices = Prices(ETHUSDT="2500")
    exchange = paper(prices)
    order = exchange.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=D("0.1"),
                                 price=D("2400"), client_id="l1")
    assert [o.order_id for o in exchange.orders_pending()] == [order.order_id]
    other = exchange.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.LIMIT, amount=D("0.1"),
                                 price=D("2300"), client_id="l2")
    assert exchange.order_cancel(symbol="ETHUSDT", order_id=other.order_id).status == OrderStatus.CANCELED
    prices.prices["ETHUSDT"] = D("2399")
    assert exchange.order_by_id(symbol="ETHUSDT", order_id=order.order_id).status == OrderStatus.FILLED
    assert exchange.order_cancel_by_client_id(symbol="ETHUSDT", client_id="l1") == []


def test_liquidation_on_paper():
    prices = Prices(SOLUSDT="100")
    exchange = paper(prices, slippage_pct="0")
    exchange.leverage_set(symbol="SOLUSDT", leverage=10, margin_mode=MarginMode.ISOLATED)
    exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("5"), client_id="o")
    prices.prices["SOLUSDT"] = D("80")
    assert exchange.positions() == []
    assert exchange.balance().equity == D("1000") - D("0.25") - D("50")


def test_a_rejected_order_keeps_what_the_price_move_triggered():
    prices = Prices(SOLUSDT="100")
    exchange = paper(prices, slippage_pct="0")
    exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("10"), client_id="o")
    exchange.position_stop_loss_set(symbol="SOLUSDT", price=D("95"))
    prices.prices["SOLUSDT"] = D("94")
    with pytest.raises(OrderRejected):
        exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("1000"),
                             client_id="too-big")
    assert exchange.positions() == []  # the stop-loss fill was saved


def test_funding_is_settled_every_eight_hours_when_enabled():
    prices, clock = Prices(SOLUSDT="100"), Clock()
    exchange = PaperExchange(price_provider=prices, clock=clock,
                             config=PaperConfig(slippage_pct=D(0), funding_rate_pct=D("0.01")))
    exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("10"), client_id="o")
    clock.now += timedelta(hours=7)  # 08:00 passed once
    assert exchange.balance().equity == D("1000") - D("0.5") - D("0.1")  # 10 * 100 * 0.01 %
    assert exchange.funding_rate(symbol="SOLUSDT").latest_rate == D("0.0001")


def test_client_ids_follow_the_coinex_rule_on_paper_too():
    exchange = paper(Prices(SOLUSDT="100"))
    with pytest.raises(OrderRejected, match="client id"):
        exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("1"),
                             client_id="not/valid")
    with pytest.raises(OrderRejected, match="client id"):
        exchange.position_close(symbol="SOLUSDT", client_id="x" * 33)


def test_no_price_is_a_temporary_error():
    exchange = paper(Prices())
    with pytest.raises(ExchangeTemporaryError):
        exchange.ticker(symbol="BTCUSDT")
    with pytest.raises(ExchangeTemporaryError):
        exchange.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("0.01"),
                             client_id="n")


def test_reset_returns_to_the_starting_balance_and_forgets_positions():
    prices = Prices(SOLUSDT="100")
    exchange = paper(prices)
    exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("1"), client_id="o")
    paper_account_reset(starting_balance=D("2500"))
    assert exchange.positions() == [] and exchange.balance().equity == D("2500")
    assert PaperAccount.objects.get(name="default").reset_at is not None


def test_admin_reset_action(admin_client):
    prices = Prices(SOLUSDT="100")
    exchange = paper(prices)
    exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("1"), client_id="o")
    account = PaperAccount.objects.get(name="default")
    response = admin_client.post("/admin/coinex/paperaccount/",
                                 {"action": "reset_accounts", "_selected_action": [account.pk]}, follow=True)
    assert response.status_code == 200 and b"1 paper account(s) reset" in response.content
    assert exchange.positions() == [] and exchange.balance().equity == D("1000")


def test_the_default_price_provider_reads_market_data_lazily():
    from coinex.paper.exchange import price_provider_default

    assert price_provider_default("BTCUSDT") is None  # no candles in the test database yet


def test_a_read_that_triggers_nothing_does_not_write_and_one_that_triggers_a_close_records_it():
    prices = Prices(SOLUSDT="100")
    exchange = paper(prices, slippage_pct="0")
    exchange.order_place(symbol="SOLUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=D("10"), client_id="o")
    exchange.position_take_profit_set(symbol="SOLUSDT", price=D("105"))
    exchange.positions()  # records the mark price once
    saved_at = PaperAccount.objects.get().updated_at
    assert [p.symbol for p in exchange.positions()] == ["SOLUSDT"] and exchange.balance().equity == D("999.5")
    assert PaperAccount.objects.get().updated_at == saved_at, "a read at unchanged prices writes nothing"
    prices.prices["SOLUSDT"] = D("106")
    assert exchange.positions() == [], "the read saw the take-profit fire"
    assert PaperAccount.objects.get().state["positions"] == {}, "and the close was saved, not only answered"
