"""Metrics of a run from known trades and a known equity curve."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from trader.backtest.metrics import max_drawdown_pct, metrics_compute, sharpe_autocorrelation_adjusted
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


def _ar1(*, phi: float, size: int, seed: int) -> np.ndarray:
    """Daily returns with mean 0.1 % and lag-1 autocorrelation ``phi``."""
    noise = np.random.default_rng(seed).normal(0.0, 0.01, size)
    returns = np.empty(size)
    returns[0] = noise[0]
    for day in range(1, size):
        returns[day] = phi * returns[day - 1] + noise[day]
    return returns + 0.001


def _plain_sharpe(returns: np.ndarray) -> float:
    return float(np.mean(returns) / np.std(returns) * np.sqrt(365))


def test_the_adjusted_sharpe_penalises_positively_autocorrelated_returns():
    trending = _ar1(phi=0.6, size=2_000, seed=3)
    adjusted = sharpe_autocorrelation_adjusted(trending)
    assert adjusted is not None and 0 < adjusted < 0.7 * _plain_sharpe(trending)


def test_the_adjusted_sharpe_of_uncorrelated_returns_is_about_the_plain_one():
    independent = _ar1(phi=0.0, size=2_000, seed=4)
    assert sharpe_autocorrelation_adjusted(independent) == pytest.approx(_plain_sharpe(independent), rel=0.1)


def test_the_adjusted_sharpe_is_none_when_undefined():
    assert sharpe_autocorrelation_adjusted(np.array([0.01, 0.02])) is None  # too few returns
    assert sharpe_autocorrelation_adjusted(np.full(30, 0.01)) is None  # no variance
    alternating = np.tile([0.02, -0.01], 20)  # rho_1 near -1: the variance term is not positive
    assert sharpe_autocorrelation_adjusted(alternating) is None
