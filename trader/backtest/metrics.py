"""Performance figures of a run, from its trades and its equity at every step's close.

Definitions (returns are fractions unless the name ends in ``_pct``):
- ``total_return_pct``: final equity over the starting balance, minus 1, in %.
- ``cagr_pct``: (final / start) ** (1 / years) - 1 in %, years = span / 365.25 days.
- ``max_drawdown_pct``: largest fall from a running equity peak, in % of that peak.
- ``win_rate_pct``: trades with pnl > 0 over all trades; ``profit_factor``: gross
  profit / gross loss (None without a losing trade).
- ``sharpe``/``sortino``: mean / standard deviation (downside deviation: root mean
  square of the negative returns) of daily equity returns (UTC days, last equity of
  each day), times sqrt(365); risk-free rate 0; None when undefined.
- ``sharpe_adj``: the Sharpe ratio corrected for the serial correlation of the daily
  returns (Lo 2002, "The Statistics of Sharpe Ratios", eq. 15): annualised over
  q = 365 days with eta(q) = q / sqrt(q + 2 * sum_{k=1..L} (q - k) * rho_k) in place of
  sqrt(q), rho_k the returns' sample autocorrelation at lag k, L = min(5, n - 2) (higher
  lags are too noisy on a few weeks of days and count as 0). Positively autocorrelated
  returns (a smoothed, trending curve) score lower than their plain Sharpe, uncorrelated
  ones the same. None when undefined: fewer than 3 returns, no variance, or a
  non-positive variance term (strongly negative autocorrelations).
- ``exposure_pct``: share of steps with at least one open position.
- ``average_trade``: mean net pnl per trade (USDT); per symbol: trades, wins, pnl.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np

from trader.backtest.portfolio import RunResult, TradeResult

DAYS_PER_YEAR = 365.25
CAGR_LOG_MAX = 700.0  # math.exp overflows past ~709
TRADING_DAYS_PER_YEAR = 365  # crypto trades every day
NS_PER_DAY = 86_400 * 1_000_000_000
SHARPE_ADJ_LAGS_MAX = 5  # autocorrelation lags the adjusted Sharpe counts
SHARPE_ADJ_RETURNS_MIN = 3  # daily returns needed for a lag-1 autocorrelation
DEVIATION_MIN = 1e-12  # a daily deviation below this is rounding noise of a flat curve: no variance


def _ratio(mean: float, deviation: float) -> float | None:
    if not deviation or not math.isfinite(deviation):
        return None
    return mean / deviation * math.sqrt(TRADING_DAYS_PER_YEAR)


def autocorrelations(returns: np.ndarray, *, lags: int) -> list[float]:
    """Sample autocorrelations rho_1..rho_lags of ``returns`` (the usual biased estimator: lagged
    covariance sums over the full variance sum); [] when the returns have no variance."""
    centred = returns - float(np.mean(returns))
    variance_sum = float(np.dot(centred, centred))
    if variance_sum < DEVIATION_MIN**2 or not math.isfinite(variance_sum):
        return []
    return [float(np.dot(centred[lag:], centred[:-lag])) / variance_sum for lag in range(1, lags + 1)]


def sharpe_autocorrelation_adjusted(returns: np.ndarray) -> float | None:
    """The annualised Sharpe ratio of daily ``returns`` corrected for their autocorrelation (Lo 2002;
    the formula in the module docstring). None when undefined (see there)."""
    if returns.size < SHARPE_ADJ_RETURNS_MIN:
        return None
    deviation = float(np.std(returns))
    rhos = autocorrelations(returns, lags=min(SHARPE_ADJ_LAGS_MAX, returns.size - 2))
    if deviation < DEVIATION_MIN or not math.isfinite(deviation) or not rhos:
        return None
    periods = TRADING_DAYS_PER_YEAR
    variance_term = periods + 2 * sum((periods - lag) * rho for lag, rho in enumerate(rhos, start=1))
    if variance_term <= 0 or not math.isfinite(variance_term):
        return None
    return float(np.mean(returns)) / deviation * periods / math.sqrt(variance_term)


def daily_returns(result: RunResult) -> np.ndarray:
    """Returns of the last equity of each UTC day (the first day against the starting balance)."""
    if not result.times_ns.size:
        return np.array([])
    # The times are sorted (the run's clock) and the equity is defined at every step, so each day's last
    # equity is the one before the day changes: as groupby(floor("D")).last(), without pandas' cost.
    days = result.times_ns // NS_PER_DAY
    daily = result.equity[np.append(np.flatnonzero(days[1:] != days[:-1]), days.size - 1)]
    previous = np.concatenate(([float(result.starting_balance)], daily[:-1]))
    return daily / previous - 1.0


def max_drawdown_pct(equity: np.ndarray) -> float:
    """Largest fall from a running peak of ``equity``, in % of the peak (0 for an empty curve)."""
    if not equity.size:
        return 0.0
    peaks = np.maximum.accumulate(equity)
    return float(np.max((peaks - equity) / peaks) * 100.0)


def per_symbol(trades: list[TradeResult]) -> dict[str, dict[str, Any]]:
    """Each symbol's trade count, wins and net pnl (USDT, 2 decimals)."""
    return per_group(trades, key="symbol")


def per_group(trades: list[TradeResult], *, key: str) -> dict[str, dict[str, Any]]:
    """Trade count, wins, win rate and net pnl (USDT, 2 decimals) per value of the trades' ``key``
    (``symbol``, ``strategy``), sorted by it."""
    table: dict[str, dict[str, Any]] = {}
    for trade in trades:
        row = table.setdefault(getattr(trade, key), {"trades": 0, "wins": 0, "pnl": Decimal(0)})
        row["trades"] += 1
        row["wins"] += trade.pnl > 0
        row["pnl"] += trade.pnl
    for row in table.values():
        row["pnl"] = float(row["pnl"].quantize(Decimal("0.01")))
        row["win_rate_pct"] = round(row["wins"] / row["trades"] * 100.0, 2)
    return dict(sorted(table.items()))


def trade_figures(pnls: list[float]) -> dict[str, Any]:
    """Trade count, win rate (%), profit factor, average trade (the expectancy, USDT) and net pnl (USDT,
    2 decimals) of the net ``pnls``; None where undefined (no trade; no losing trade for the profit factor)."""
    gross_profit = sum(p for p in pnls if p > 0)
    gross_loss = -sum(p for p in pnls if p < 0)
    factor = gross_profit / gross_loss if gross_loss else None
    return {
        "trades": len(pnls),
        "win_rate_pct": round(sum(p > 0 for p in pnls) / len(pnls) * 100, 2) if pnls else None,
        "profit_factor": round(factor, 3) if factor is not None and math.isfinite(factor) else None,
        "average_trade": round(sum(pnls) / len(pnls), 4) if pnls else None,
        "pnl": round(sum(pnls), 2),
    }


def metrics_compute(result: RunResult) -> dict[str, Any]:
    """Every figure of the module docstring, rounded for display (floats; None when undefined)."""
    start = float(result.starting_balance)
    final = float(result.equity[-1]) if result.equity.size else start
    span_days = (result.times_ns[-1] - result.times_ns[0]) / 86_400e9 if result.times_ns.size > 1 else 0.0
    years = span_days / DAYS_PER_YEAR
    trades = result.trades
    pnls = [float(t.pnl) for t in trades]
    figures = trade_figures(pnls)
    returns = daily_returns(result)
    downside = returns[returns < 0]
    downside_deviation = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2))) if returns.size else 0.0
    # In log space: over a span of hours the annualised growth overflows a float; it has no meaning then.
    log_growth = math.log(final / start) / years if years > 0 and final > 0 and start > 0 else None
    cagr = None if log_growth is None or log_growth > CAGR_LOG_MAX else (math.exp(log_growth) - 1) * 100

    def rounded(value: float | None, digits: int = 2) -> float | None:
        return None if value is None or not math.isfinite(value) else round(value, digits)

    return {
        "start_balance": round(start, 2),
        "final_equity": round(final, 2),
        "total_return_pct": round((final / start - 1) * 100, 2),
        "cagr_pct": rounded(cagr),
        "max_drawdown_pct": round(max_drawdown_pct(result.equity), 2),
        "trades": figures["trades"],
        "win_rate_pct": figures["win_rate_pct"],
        "profit_factor": figures["profit_factor"],
        "average_trade": figures["average_trade"],
        "sharpe": rounded(_ratio(float(np.mean(returns)), float(np.std(returns))) if returns.size > 1 else None, 3),
        "sharpe_adj": rounded(sharpe_autocorrelation_adjusted(returns), 3),
        "sortino": rounded(_ratio(float(np.mean(returns)), downside_deviation) if downside.size else None, 3),
        "exposure_pct": round(float(np.mean(result.exposure > 0)) * 100, 2) if result.exposure.size else 0.0,
        "days": round(span_days, 2),
        "candles": result.candles,
        "rejected_orders": result.rejected_orders,
        "kill_switch_at": result.kill_switch_at.isoformat() if result.kill_switch_at else None,
        "per_symbol": per_symbol(trades),
    }


def trade_row(trade: TradeResult) -> dict[str, Any]:
    """One trade for ``--json`` and the stored run (prices as strings to keep their digits)."""
    return {
        "symbol": trade.symbol, "side": trade.side, "entry_time": trade.entry_time.isoformat(),
        "entry_price": str(trade.entry_price.normalize()), "exit_time": trade.exit_time.isoformat() if trade.exit_time
        else None, "exit_price": str(trade.exit_price.normalize()) if trade.exit_price is not None else None,
        "amount": str(trade.amount), "leverage": trade.leverage, "pnl": str(trade.pnl.quantize(Decimal("0.00000001"))),
        "fees": str(trade.fees), "funding": str(trade.funding), "reason": trade.reason, "score": trade.score,
        "ta_bonus": trade.ta_bonus, "strategy": trade.strategy,
    }
