"""Limit entries in the backtester: the live order manager's decisions on the paper engine, candle by candle."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from coinex.paper import PaperConfig, PaperExchange
from trader.backtest.data import SymbolHistory
from trader.backtest.portfolio import backtest_run
from trader.cycle.orders import EntryOrderSettings
from trader.cycle.run import cycle_run
from trader.models import CloseReason, EntryOrder, EntryOrderType, Trade
from trader.services.config import config_update
from trader.tests.backtest.conftest import START, ChosenScores, flat, frame_from, settings_with

FIVE = timedelta(minutes=5)
LIMITS = EntryOrderSettings(order_type=EntryOrderType.LIMIT, offset_pct=D("0.1"), post_only=True, timeout_s=600,
                            max_reprices=1, abandon_pct=D("1"))
# A long signal at the close of candle 0 (50000): the limit rests at 49950; candles 1-2 stay above it; at the
# close of candle 2 it timed out (600 s) 0.2 % away: re-priced to 50049.9; candle 3's low touches that (half
# fills); at the close of candle 4 (600 s after the re-price) it timed out again with a part filled (the
# rest cancelled); candle 6
# falls through the stop.
CANDLES = [(50000, 50000, 50000, 50000), (50000, 50100, 49980, 50050), (50050, 50120, 49990, 50100),
           (50100, 50110, 50049.9, 50080), (50080, 50090, 50060, 50070), (50070, 50080, 50060, 50065),
           (50065, 50065, 49000, 49100), *flat(49100, 2)]


def backtest():
    history = [SymbolHistory("BTCUSDT", {"5m": frame_from(CANDLES)})]
    return backtest_run(histories=history, strategy=ChosenScores({"BTCUSDT": {0: (70, 0, 0, 0)}}),
                        settings=settings_with(entry_orders=LIMITS, trailing_stop=False))


def test_a_limit_entry_rests_reprices_fills_in_part_and_its_trade_stops_out():
    result = backtest()
    events = result.extra["entry_orders"]
    assert [(e["event"], e["limit_price"], e["filled"], e["at"]) for e in events] == [
        ("pending", D("49950.0"), 0, START + FIVE),
        ("repriced", D("50049.9"), 0, START + 3 * FIVE),
        ("partially_filled", D("50049.9"), D("0.05"), START + 4 * FIVE),
        ("partially_filled", D("50049.9"), D("0.05"), START + 5 * FIVE),
    ]
    [trade] = result.trades
    # 10 % of 10,000 USDT at 5x asked for 0.1 BTC; half of it filled at the limit (a maker fill).
    assert (trade.amount, trade.entry_price, trade.entry_time) == (D("0.05"), D("50049.9"), START + 4 * FIVE)
    assert trade.fees > 0 and trade.reason == "sl" and trade.exit_time == START + 7 * FIVE


def test_market_entries_stay_the_backtest_default():
    history = [SymbolHistory("BTCUSDT", {"5m": frame_from(CANDLES)})]
    result = backtest_run(histories=history, strategy=ChosenScores({"BTCUSDT": {0: (70, 0, 0, 0)}}),
                          settings=settings_with(trailing_stop=False))
    assert result.trades[0].entry_time == START + FIVE and result.trades[0].amount == D("0.1")
    assert "entry_orders" not in result.extra


@pytest.mark.django_db
def test_the_live_cycle_on_the_paper_exchange_takes_the_same_steps_candle_by_candle(
        market, dry_run, operator, monkeypatch):
    monkeypatch.setattr("trader.cycle.run.market_data_staleness", lambda **_: None)  # simulated clock ahead
    config_update(changes={"entry_order_type": "limit", "limit_offset_pct": D("0.1"), "limit_timeout_s": 600,
                           "limit_max_reprices": 1, "limit_abandon_pct": D("1"), "position_size_pct": D("10"),
                           "tp_pct": D("10"), "sl_pct": D("5"), "trailing_stop": False}, actor=operator)
    paper = PaperExchange(price_provider=market.prices.get, account_name="limit-cross-check",
                          config=PaperConfig(starting_balance=D("10000"), slippage_pct=D("0")))
    result = backtest()
    start = timezone.now()
    live_steps, backtest_steps = [], []
    for index, (_open, high, low, close) in enumerate(CANDLES):
        if index == 0:
            market.scan("BTCUSDT", long=70, price=str(close))
        else:
            market.clear_scans()
            market.prices["BTCUSDT"] = D(str(low))  # the candle's low reaches the exchange, then its close
            paper.prices_refresh()
            market.price("BTCUSDT", str(close))
        cycle_run(exchange=paper, now=start + index * FIVE)
        entry = EntryOrder.objects.get()
        live_steps.append((entry.reprices, entry.limit_price.normalize(), entry.filled_amount.normalize(),
                           entry.resting))
        close_at = START + (index + 1) * FIVE
        seen = [e for e in result.extra["entry_orders"] if e["at"] <= close_at][-1]
        backtest_steps.append((seen["reprices"], seen["limit_price"].normalize(), D(seen["filled"]).normalize(),
                               seen["resting"]))
    assert live_steps == backtest_steps
    trade, simulated = Trade.objects.get(), result.trades[0]
    assert (trade.size, trade.entry_price) == (simulated.amount, simulated.entry_price)
    assert trade.close_reason == CloseReason.STOP_LOSS and simulated.reason == "sl"
