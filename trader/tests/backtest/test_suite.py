"""The issue-9 strategy suite through the backtester, asked exactly as the live cycle asks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from ta.engine.candles import candles_read_csv
from ta.engine.strategies.registry import strategy_get
from trader.backtest.data import SymbolHistory
from trader.backtest.portfolio import backtest_run
from trader.backtest.service import BacktestRequest, backtest_execute
from trader.backtest.suite import STRATEGY_CANDLES, SuiteStrategy
from trader.tests.backtest.conftest import entry_settings, settings_with

FIVE = timedelta(minutes=5)


@pytest.mark.parametrize("name", ["mean_reversion", "supertrend"])
def test_each_entry_is_a_signal_of_the_strategy_on_the_live_window(klines_dir, name):
    frame = candles_read_csv(str(klines_dir / "SOLUSDT-5m.csv.gz")).iloc[:1500]
    result = backtest_run(histories=[SymbolHistory("SOLUSDT", {"5m": frame})], strategy=SuiteStrategy(name),
                          settings=settings_with(entry=entry_settings(max_positions=1, long_threshold=99,
                                                                      short_threshold=99)))
    assert len(result.trades) >= 3  # thresholds of 99 stop no signal: the strategy decides, as live
    strategy = strategy_get(name)
    for trade in result.trades:
        step = frame.index.get_loc(pd.Timestamp(trade.entry_time - FIVE))
        signal = strategy.generate_signal(frame.iloc[max(0, step + 1 - STRATEGY_CANDLES): step + 1])
        assert signal is not None and signal.side == trade.side
        assert (trade.strategy, trade.score) == (name, round(signal.strength))


@pytest.mark.django_db
def test_strategies_can_be_compared_on_the_same_candles(klines_dir):
    request = BacktestRequest(strategy="scanner", symbols=("SOLUSDT",), candles_dir=klines_dir,
                              start=datetime(2024, 3, 1, tzinfo=UTC), end=datetime(2024, 3, 4, tzinfo=UTC),
                              compare=("squeeze_breakout", "mean_reversion"))
    report = backtest_execute(request=request)
    table = report.attribution["per_strategy"]
    assert list(table) == ["scanner", "squeeze_breakout", "mean_reversion"]
    assert table["scanner"]["trades"] == report.metrics["trades"]
    assert table["mean_reversion"]["trades"] > 0
    with pytest.raises(ValueError, match=r"unknown strategy 'moon'.*supertrend"):
        backtest_execute(request=BacktestRequest(strategy="moon", symbols=("SOLUSDT",), candles_dir=klines_dir))
