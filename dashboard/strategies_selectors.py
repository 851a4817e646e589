"""Reads of the strategies page (seed tradefinder, dashboard section 3 "Strategies": active strategies,
parameters, allocation): for each registered strategy its parameters (from the strategy object the trader
and the backtester build), whether the trader config enables it, the regimes the seed's mapping sends to
it, what it holds in the active book (margin, notional, risk to stops, exposure and heat), and its live
figures beside the newest finished backtest of it.

Bounded reads, whatever the number of strategies: the config and status rows, the active book's open
trades and ledger (``account_overview``), each book's closed trades (live, dry-run) and one query for the
newest finished run of every strategy.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery

from dashboard.selectors import account_overview
from ta.engine.strategies.registry import REGIME_STRATEGY, STRATEGIES
from trader.models import BacktestRun, TraderMode
from trader.models.backtest import BacktestStatus
from trader.performance_selectors import strategy_figures_by_mode
from trader.services.books import book_current
from trader.services.config import config_get
from trader.services.status import status_get

MODES = (TraderMode.LIVE.value, TraderMode.DRY_RUN.value)


def _description(cls: type) -> str:
    """The first line of the strategy class's docstring."""
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def backtests_newest(*, names: list[str]) -> dict[str, BacktestRun]:
    """The newest finished (done) run of each of ``names`` that has one, by strategy: one query."""
    newest = (BacktestRun.objects.filter(status=BacktestStatus.DONE, strategy=OuterRef("strategy"))
              .order_by("-finished_at", "-created_at", "-id").values("id")[:1])
    runs = (BacktestRun.objects.filter(status=BacktestStatus.DONE, strategy__in=names, id=Subquery(newest))
            .only("id", "strategy", "finished_at", "created_at", "symbols", "start", "end", "metrics"))
    return {run.strategy: run for run in runs}


def _backtest_figures(run: BacktestRun) -> dict[str, Any]:
    metrics = run.metrics or {}
    start, final = metrics.get("start_balance"), metrics.get("final_equity")
    return {
        "id": run.id, "finished_at": run.finished_at or run.created_at, "symbols": run.symbols,
        "start": run.start, "end": run.end,
        "trades": metrics.get("trades"), "win_rate_pct": metrics.get("win_rate_pct"),
        "profit_factor": metrics.get("profit_factor"), "expectancy": metrics.get("average_trade"),
        "pnl": round(final - start, 2) if start is not None and final is not None else None,
        "total_return_pct": metrics.get("total_return_pct"),
    }


def strategies_overview() -> dict[str, Any]:
    """Everything the strategies page shows: the config's switches and limits, the active book and its
    totals, and a row per registered strategy (registry order, the trader's default first)."""
    config, status = config_get(), status_get()
    book = book_current(status=status, config=config)
    heat = account_overview(book=book, config=config)["heat"] if book else None
    loads = heat["allocation"]["strategies"] if heat else {}
    live = strategy_figures_by_mode(venue=config.venue)
    names = list(STRATEGIES)
    runs = backtests_newest(names=names)
    enabled = set(config.strategies)
    rows = []
    for name, cls in STRATEGIES.items():
        strategy = cls()  # the defaults: the trader and the backtester build it as strategy_get(name)
        rows.append({
            "name": name,
            "description": _description(cls),
            "parameters": strategy.parameters,
            "enabled": name in enabled,
            "regimes": [regime for regime, mapped in REGIME_STRATEGY.items() if mapped == name],
            "load": loads.get(name),
            "live": [{"mode": mode, "figures": live[mode].get(name)} for mode in MODES],
            "backtest": _backtest_figures(runs[name]) if name in runs else None,
        })
    return {
        "strategies": rows,
        "book": book,
        "heat": heat,
        "use_regime_mapping": config.use_regime_mapping,
        "unmapped_regimes": [regime for regime, mapped in REGIME_STRATEGY.items() if mapped is None],
        "max_strategy_exposure_pct": config.max_strategy_exposure_pct,
        "venue": config.venue,
    }
