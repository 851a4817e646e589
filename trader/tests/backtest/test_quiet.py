"""Skipping quiet stretches changes nothing: the same trades and the same equity at every step."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pytest

from ta.engine.candles import candles_read_csv
from trader.backtest.data import SymbolHistory
from trader.backtest.ema_cross import EmaCrossStrategy, ema_cross_settings
from trader.backtest.portfolio import backtest_run
from trader.backtest.strategy import ScannerStrategy
from trader.tests.backtest.conftest import entry_settings, settings_with


def both_ways(histories, strategy, settings):
    skipped = backtest_run(histories=histories, strategy=strategy, settings=settings)
    stepped = backtest_run(histories=histories, strategy=strategy, settings=settings, skip_quiet=False)
    return skipped, stepped


def assert_same(skipped, stepped):
    assert len(skipped.trades) == len(stepped.trades) > 10
    for a, b in zip(skipped.trades, stepped.trades, strict=True):
        assert (a.symbol, a.side, a.entry_time, a.exit_time, a.exit_price, a.pnl, a.reason) == \
            (b.symbol, b.side, b.entry_time, b.exit_time, b.exit_price, b.pnl, b.reason)
    np.testing.assert_array_equal(skipped.equity, stepped.equity)
    np.testing.assert_array_equal(skipped.exposure, stepped.exposure)
    assert skipped.kill_switch_at == stepped.kill_switch_at


def test_reference_strategy(real_btc):
    settings = ema_cross_settings(tp_pct=Decimal("0.3"), sl_pct=Decimal("0.2"), fee_pct=Decimal("0.05"))
    assert_same(*both_ways([SymbolHistory("BTCUSDT", {"5m": real_btc})], EmaCrossStrategy(), settings))


@pytest.mark.parametrize(("trailing", "reference"), [(True, "starting_balance"), (False, "starting_balance"),
                                                     (True, "equity_peak")])
def test_scanner_on_three_symbols_with_a_trailing_stop_and_the_kill_switch(klines_dir, trailing, reference):
    histories = [SymbolHistory(symbol, {"5m": candles_read_csv(str(klines_dir / f"{symbol}-5m.csv.gz")).iloc[:6000],
                                        "1h": candles_read_csv(str(klines_dir / f"{symbol}-1h.csv.gz")).iloc[:600]})
                 for symbol in ("SOLUSDT", "DOGEUSDT", "LINKUSDT")]
    settings = settings_with(entry=entry_settings(max_positions=2, use_ta_signals=True), trailing_stop=trailing,
                             tp_pct=Decimal(5), sl_pct=Decimal(3), kill_switch_drawdown_pct=Decimal(8),
                             slippage_rate=Decimal("0.0002"), kill_switch_reference=reference)
    skipped, stepped = both_ways(histories, ScannerStrategy(), settings)
    assert_same(skipped, stepped)
    if reference == "equity_peak":
        assert skipped.kill_switch_at is not None  # the scenario reaches it, so the vectorised check is exercised
    unlimited = dataclasses.replace(settings, kill_switch_drawdown_pct=None)
    assert_same(*both_ways(histories, ScannerStrategy(), unlimited))
