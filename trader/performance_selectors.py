"""Live performance: the platform's own closed trades of a book, measured with the backtester's metric code.

The book's closed trades become the backtester's ``TradeResult`` rows and its daily
equity snapshots (``EquitySnapshot``) the equity curve of a ``RunResult``, which
``trader.backtest.metrics.metrics_compute`` measures exactly as it measures a backtest:
win rate, profit factor, Sharpe and Sortino (daily returns), max drawdown, expectancy
(the mean net pnl per trade: the backtester's ``average_trade``) and the per-symbol table,
plus the same table per strategy. Without any snapshot yet, the curve is the starting
balance plus the realised pnl at each close. Dry-run and live are separate books.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from trader.backtest.metrics import metrics_compute, per_group, trade_figures
from trader.backtest.portfolio import RunResult, TradeResult
from trader.fx.convert import amount_convert, figures_convert
from trader.fx.providers import PAR, RateQuote
from trader.models import Book, BookLedger, EquitySnapshot, Trade, TraderMode

NS_PER_S = 1_000_000_000
LIVE_FIGURES = ("start_balance", "final_equity", "total_return_pct", "max_drawdown_pct", "trades", "win_rate_pct",
                "profit_factor", "sharpe", "sortino", "days")
MONEY_FIGURES = ("start_balance", "final_equity", "expectancy")  # quote asset: what a currency converts


def _ns(moment) -> int:
    return int(moment.timestamp()) * NS_PER_S + moment.microsecond * 1_000


def book_trade_results(*, book: Book) -> list[TradeResult]:
    """``book``'s closed trades, in closing order, as the backtester's trade rows (one query)."""
    return [
        TradeResult(symbol=t.symbol, side=t.side, entry_time=t.opened_at, entry_price=t.entry_price,
                    exit_time=t.closed_at, exit_price=t.exit_price, amount=t.size, leverage=t.leverage,
                    margin=t.margin, fees=t.fees, pnl=t.pnl or Decimal(0), reason=t.close_reason,
                    score=t.entry_score or 0, strategy=t.strategy)
        for t in Trade.objects.in_book(book).filter(closed_at__isnull=False).order_by("closed_at", "id")
    ]


def book_run_result(*, book: Book) -> RunResult | None:
    """``book``'s record as a backtest result (see the module docstring); None before its first cycle."""
    ledger = BookLedger.objects.in_book(book).first()
    snapshots = list(EquitySnapshot.objects.in_book(book).order_by("day").values_list("at", "equity"))
    trades = book_trade_results(book=book)
    starting = ledger.starting_balance if ledger and ledger.starting_balance else (
        snapshots[0][1] if snapshots else None)
    if not starting:
        return None
    if snapshots:
        points = [(_ns(at), float(equity)) for at, equity in snapshots]
    else:
        running, points = float(starting), []
        for trade in trades:
            running += float(trade.pnl)
            points.append((_ns(trade.exit_time), running))
    times = np.array([t for t, _ in points], dtype=np.int64)
    equity = np.array([e for _, e in points], dtype=np.float64)
    return RunResult(trades=trades, times_ns=times, equity=equity, exposure=np.zeros(times.size),
                     starting_balance=Decimal(starting), candles=0, strategy="live")


def performance_of(*, book: Book) -> dict[str, Any] | None:
    """``book``'s live figures (see the module docstring), the per-symbol and per-strategy tables and its
    equity curve (``[[iso time, equity], ...]``); None before the book's first cycle."""
    result = book_run_result(book=book)
    if result is None:
        return None
    metrics = metrics_compute(result)
    figures = {name: metrics[name] for name in LIVE_FIGURES}
    figures.update({
        "mode": book.mode, "venue": book.venue, "expectancy": metrics["average_trade"],
        "per_symbol": metrics["per_symbol"], "per_strategy": per_group(result.trades, key="strategy"),
        "equity_curve": [[datetime.fromtimestamp(ns // NS_PER_S, UTC).isoformat(), round(float(value), 2)]
                         for ns, value in zip(result.times_ns.tolist(), result.equity.tolist(), strict=True)],
    })
    return figures


def performance_in_currency(figures: dict[str, Any] | None, *, quote: RateQuote) -> dict[str, Any] | None:
    """``figures`` with every money figure (balances, expectancy, the tables' pnl, the curve) at ``quote``'s rate;
    the ratios and percentages are the same in any currency."""
    if figures is None or quote.rate == 1:
        return figures
    converted = figures_convert(figures, fields=MONEY_FIGURES, quote=quote)
    for table in ("per_symbol", "per_strategy"):
        converted[table] = {name: figures_convert(row, fields=("pnl",), quote=quote)
                            for name, row in figures[table].items()}
    converted["equity_curve"] = [[at, amount_convert(value, quote)] for at, value in figures["equity_curve"]]
    return converted


def performance_by_mode(*, venue: str, quote: RateQuote = PAR) -> dict[str, dict[str, Any] | None]:
    """The live and the dry-run book of ``venue``, apart; money in ``quote``'s currency (USDT by default)."""
    return {mode.value: performance_in_currency(performance_of(book=Book(mode=mode.value, venue=venue)), quote=quote)
            for mode in (TraderMode.LIVE, TraderMode.DRY_RUN)}


def strategy_figures_by_mode(*, venue: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Per book of ``venue`` (live, dry-run) and per strategy, the closed trades' count, win rate, profit factor,
    expectancy and net pnl (USDT) with the backtester's metric code (``trade_figures``); a strategy without
    a closed trade in a book is absent from it. One query per book."""
    figures: dict[str, dict[str, dict[str, Any]]] = {}
    for mode in (TraderMode.LIVE, TraderMode.DRY_RUN):
        pnls: dict[str, list[float]] = {}
        for trade in book_trade_results(book=Book(mode=mode.value, venue=venue)):
            pnls.setdefault(trade.strategy, []).append(float(trade.pnl))
        figures[mode.value] = {name: trade_figures(values) for name, values in pnls.items()}
    return figures
