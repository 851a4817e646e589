"""Metrics of a run from known trades and a known equity curve."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from trader.backtest.metrics import max_drawdown_pct, metrics_compute
from trader.backtest.portfolio import RunResult, TradeResult

DAY_NS = 86_400 * 10**9
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def trade(symbol: str, pnl: str) -> TradeResult:
    return TradeResult(symbol=symbol, side="long", entry_time=T0, entry_price=Decimal(1), exit_time=T0,
                       exit_price=Decimal(1), pnl=Decimal(pnl))


def result(equity: list[float], trades: list[TradeResult], exposure: list[float] | None = None) -> RunResult:
    times = np.arange(len(equity), dtype=np.int64) * DAY_NS + 1_704_067_200 * 10**9
    return RunResult(trades=trades, times_ns=times, equity=np.array(equity, dtype=float),
                     exposure=np.array(exposure if exposure is not None else [0.0] * len(equity)),
                     starting_balance=Decimal(1000), candles=len(equity))


def test_figures_from_trades_and_the_equity_curve():
    run = result([1000, 1100, 990, 1045, 1200], [trade("BTCUSDT", "100"), trade("BTCUSDT", "-110"),
                                                trade("ETHUSDT", "55"), trade("ETHUSDT", "155")],
                 exposure=[0, 10, 10, 0, 0])
    metrics = metrics_compute(run)
    assert metrics["total_return_pct"] == 20.0
    assert metrics["max_drawdown_pct"] == 10.0  # 1100 -> 990
    assert metrics["win_rate_pct"] == 75.0
    assert metrics["profit_factor"] == round(310 / 110, 3)
    assert metrics["average_trade"] == 50.0
    assert metrics["exposure_pct"] == 40.0
    assert metrics["per_symbol"]["ETHUSDT"] == {"trades": 2, "wins": 2, "pnl": 210.0, "win_rate_pct": 100.0}
    assert metrics["sharpe"] > 0 and metrics["sortino"] > 0
    assert metrics["cagr_pct"] > 20  # 20 % in four days compounds to far more over a year


def test_undefined_figures_are_none_not_infinite():
    metrics = metrics_compute(result([1000, 1000], [trade("BTCUSDT", "5")]))
    assert metrics["profit_factor"] is None  # no losing trade
    assert metrics["sharpe"] is None and metrics["sortino"] is None  # flat equity
    empty = metrics_compute(result([1000], []))
    assert empty["trades"] == 0 and empty["win_rate_pct"] is None and empty["average_trade"] is None


@pytest.mark.parametrize(("equity", "expected"), [([100, 120, 60, 130, 65], 50.0), ([100, 101, 102], 0.0)])
def test_max_drawdown_is_from_the_running_peak(equity, expected):
    assert max_drawdown_pct(np.array(equity, dtype=float)) == expected
