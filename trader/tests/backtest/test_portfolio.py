"""The portfolio loop on candles we write: fill rule, fees, shared max positions, TA bonus, kill switch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd

from trader.backtest.data import SymbolHistory
from trader.backtest.portfolio import backtest_run
from trader.tests.backtest.conftest import START, ChosenScores, entry_settings, flat, frame_from, settings_with

FIVE = timedelta(minutes=5)


def run_one(rows, chosen, **settings):
    history = [SymbolHistory("SOLUSDT", {"5m": frame_from(rows)})]
    return backtest_run(histories=history, strategy=ChosenScores({"SOLUSDT": chosen}),
                        settings=settings_with(**settings))


def test_a_candle_touching_both_stop_and_take_profit_fills_the_stop():
    # Long at 100, 5x: stop 5% of margin = 99.0, take profit 10% of margin = 102.0.
    rows = [*flat(100, 3), (100, 103, 98, 100), *flat(100, 2)]
    result = run_one(rows, {2: (50, 0, 0, 0)})
    trade = result.trades[0]
    assert (trade.side, trade.reason, trade.exit_price) == ("long", "sl", Decimal("99.0"))
    assert trade.entry_time == START + 3 * FIVE  # the signal candle's close
    assert trade.exit_time == START + 4 * FIVE


def test_a_gap_through_the_stop_fills_at_the_open_and_take_profit_at_its_level():
    gapped = run_one([*flat(100, 3), (97, 97.5, 96.5, 97), *flat(97, 2)], {2: (50, 0, 0, 0)})
    assert (gapped.trades[0].reason, gapped.trades[0].exit_price) == ("sl", Decimal("97"))
    profit = run_one([*flat(100, 3), (100, 102.5, 99.5, 101), *flat(101, 2)], {2: (50, 0, 0, 0)})
    assert (profit.trades[0].reason, profit.trades[0].exit_price) == ("tp", Decimal("102.0"))


def test_pnl_is_net_of_the_taker_fee_on_both_fills():
    result = run_one([*flat(100, 3), (100, 102.5, 99.5, 101), *flat(101, 2)], {2: (50, 0, 0, 0)})
    trade = result.trades[0]
    # 1,000 USDT margin at 5x = 50 SOL; +2 USDT each; fees 0.05% of 5,000 and of 5,100.
    assert trade.amount == Decimal("50")
    assert trade.pnl == Decimal("100") - Decimal("2.5") - Decimal("2.55")
    assert result.equity[-1] == 10_000 + 94.95


def test_slippage_moves_fills_against_the_taker():
    result = run_one([*flat(100, 3), (100, 102.5, 99.5, 101), *flat(101, 2)], {2: (50, 0, 0, 0)},
                     slippage_rate=Decimal("0.001"))
    assert result.trades[0].entry_price == Decimal("100.1")
    # TP at 2% above the 100.1 fill = 102.102, sold 0.1% lower and rounded to the tick.
    assert result.trades[0].exit_price == Decimal("102.000")


def test_max_positions_is_shared_across_symbols_strongest_first():
    symbols = ("SOLUSDT", "AVAXUSDT", "LINKUSDT")
    rows = [*flat(100, 4), (100, 103, 99.5, 100), *flat(100, 4)]  # candle 4 takes every long's profit
    histories = [SymbolHistory(symbol, {"5m": frame_from(rows)}) for symbol in symbols]
    chosen = {"SOLUSDT": {1: (60, 0, 0, 0)}, "AVAXUSDT": {1: (50, 0, 0, 0), 6: (50, 0, 0, 0)},
              "LINKUSDT": {1: (70, 0, 0, 0)}}
    result = backtest_run(histories=histories, strategy=ChosenScores(chosen),
                          settings=settings_with(entry=entry_settings(max_positions=2)))
    opened_first = sorted(t.symbol for t in result.trades if t.entry_time == START + 2 * FIVE)
    assert opened_first == ["LINKUSDT", "SOLUSDT"]  # the two strongest; AVAX waited
    assert [t.symbol for t in result.trades if t.entry_time == START + 7 * FIVE] == ["AVAXUSDT"]
    assert float(result.exposure.max()) > 0


def test_the_ta_bonus_counts_only_when_use_ta_signals_and_only_up_to_the_cap():
    rows = [*flat(100, 3), (100, 102.5, 99.5, 101), *flat(101, 2)]
    chosen = {2: (40, 0, 10, 0)}  # 40 alone is below the long threshold 45
    assert run_one(rows, chosen).trades == []
    counted = run_one(rows, chosen, entry=entry_settings(use_ta_signals=True)).trades[0]
    assert (counted.score, counted.ta_bonus) == (50, 10)
    capped = run_one(rows, {2: (40, 0, 40, 0)}, entry=entry_settings(use_ta_signals=True, ta_bonus_cap=4))
    assert capped.trades == []  # 40 + min(40, 4) = 44 < 45


def test_the_kill_switch_closes_everything_and_stops_trading():
    losing = [*flat(100, 3), (100, 100, 99.5, 99.5), *flat(99.5, 3)]
    histories = [SymbolHistory("SOLUSDT", {"5m": frame_from(losing)}),
                 SymbolHistory("AVAXUSDT", {"5m": frame_from(flat(20, 7))})]
    chosen = ChosenScores({"SOLUSDT": {2: (50, 0, 0, 0)}, "AVAXUSDT": {5: (50, 0, 0, 0)}})
    # -0.5% at 5x on 10% of equity: equity down 0.25%, past a 0.2% kill switch.
    result = backtest_run(histories=histories, strategy=chosen,
                          settings=settings_with(kill_switch_drawdown_pct=Decimal("0.2")))
    assert [(t.symbol, t.reason) for t in result.trades] == [("SOLUSDT", "kill_switch")]
    assert result.kill_switch_at == START + 4 * FIVE
    unprotected = backtest_run(histories=histories, strategy=chosen, settings=settings_with())
    assert sorted(t.symbol for t in unprotected.trades) == ["AVAXUSDT", "SOLUSDT"]


def test_the_kill_switch_can_measure_from_the_equity_peak():
    histories = [SymbolHistory("SOLUSDT", {"5m": frame_from([*flat(100, 3), (100, 102.5, 99.5, 101), *flat(101, 4)])}),
                 SymbolHistory("AVAXUSDT", {"5m": frame_from([*flat(20, 6), (20, 20, 19.9, 19.9), *flat(19.9, 1)])})]
    chosen = ChosenScores({"SOLUSDT": {2: (50, 0, 0, 0)}, "AVAXUSDT": {5: (50, 0, 0, 0)}})
    # SOL takes +94.95; AVAX then loses 0.5% at 5x: about 0.26% below the peak, still above the start.
    from_peak = backtest_run(histories=histories, strategy=chosen, settings=settings_with(
        kill_switch_drawdown_pct=Decimal("0.2"), kill_switch_reference="equity_peak"))
    assert [t.reason for t in from_peak.trades] == ["tp", "kill_switch"]
    assert from_peak.kill_switch_at == START + 7 * FIVE
    from_start = backtest_run(histories=histories, strategy=chosen, settings=settings_with(
        kill_switch_drawdown_pct=Decimal("0.2")))
    assert from_start.kill_switch_at is None and [t.reason for t in from_start.trades] == ["tp", "end"]


def test_the_trailing_stop_follows_the_best_close_and_fills_at_its_level():
    # Long at 100, 5x, SL 5% of margin: the close 101.5 (+7.5%) arms the trail at +2.5% = 100.5.
    rows = [*flat(100, 3), (100, 101.5, 100, 101.5), (101.5, 101.6, 100.4, 100.6), *flat(100.6, 2)]
    result = run_one(rows, {2: (50, 0, 0, 0)}, trailing_stop=True, tp_pct=Decimal(50))
    trade = result.trades[0]
    assert (trade.reason, trade.exit_price, trade.best_price) == ("trailing", Decimal("100.5"), Decimal("101.5"))
    assert trade.pnl > 0


def test_funding_is_charged_to_a_long_held_over_a_funding_time():
    start = pd.Timestamp("2024-01-01 07:45", tz="UTC")
    history = [SymbolHistory("SOLUSDT", {"5m": frame_from(flat(100, 8), start=start)})]
    result = backtest_run(histories=history, strategy=ChosenScores({"SOLUSDT": {0: (50, 0, 0, 0)}}),
                          settings=settings_with(funding_rate_8h=Decimal("0.0001")))
    trade = result.trades[0]  # 50 SOL long at 100 over 08:00 UTC: pays 0.01% of 5,000
    assert (trade.reason, trade.funding) == ("end", Decimal("-0.5"))


def test_a_run_can_be_limited_to_a_date_range():
    rows = [*flat(100, 3), (100, 102.5, 99.5, 101), *flat(101, 2)]
    history = [SymbolHistory("SOLUSDT", {"5m": frame_from(rows)})]
    result = backtest_run(histories=history, strategy=ChosenScores({"SOLUSDT": {2: (50, 0, 0, 0)}}),
                          settings=settings_with(), start=(START + 3 * FIVE).to_pydatetime())
    assert result.trades == [] and result.candles == 3
