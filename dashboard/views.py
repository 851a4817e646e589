"""Dashboard pages: thin views over selectors; every page requires login.

Each page renders its complete data on first load (the live payload through the same
partials the socket refreshes); actions on the pages go through the REST API.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.fragments import page_context
from dashboard.live import live_position_or_none
from dashboard.payload import live_payload
from dashboard.settings_selectors import settings_overview
from dashboard.strategies_selectors import strategies_overview
from dashboard.symbol_selectors import TIMEFRAMES, symbol_detail
from trader.backtest.optimise import METRIC_DEFAULT, METRICS, MIN_TRADES_DEFAULT
from trader.backtest.selectors import (
    backtest_run_detail,
    backtest_study_config_changes,
    backtest_study_detail,
)
from trader.fx.convert import quotes_offered
from trader.models import BacktestRun, BacktestStudy
from trader.services.backtest import CandleSource, backtest_strategy_names


def _live_page(request: HttpRequest, *, page: str, template: str, **extra) -> HttpResponse:
    position = live_position_or_none(page=page)  # read before rendering: the page holds at least what this held
    context = page_context(page=page, payload=live_payload())
    context["live_epoch"], context["live_seq"] = position or ("", "")
    context.update(extra)
    return render(request, template, context)


@login_required
def scanner(request: HttpRequest) -> HttpResponse:
    """Scanner: a card per coin, sortable and filterable, updated live."""
    return _live_page(request, page="scanner", template="dashboard/scanner.html")


@login_required
def trader(request: HttpRequest) -> HttpResponse:
    """Trader: controls, positions, account, config, activity."""
    return _live_page(request, page="trader", template="dashboard/trader.html")


@login_required
def symbol(request: HttpRequest, symbol: str) -> HttpResponse:
    """One coin: candlestick chart with the TA overlays and the TA result in words."""
    timeframe = request.GET.get("tf", "5m")
    if timeframe not in TIMEFRAMES:
        timeframe = "5m"
    detail = symbol_detail(symbol=symbol.upper(), timeframe=timeframe)
    if detail is None:
        raise Http404(f"unknown symbol {symbol}")
    return _live_page(request, page="symbol", template="dashboard/symbol.html", detail=detail)


@login_required
def signals(request: HttpRequest) -> HttpResponse:
    """Signals: the latest trading signal of each symbol (seed trading-support's output table),
    sortable and filterable in the page, rows updated live after each structure scan."""
    return _live_page(request, page="signals", template="dashboard/signals.html")


@login_required
def strategies(request: HttpRequest) -> HttpResponse:
    """Strategies: each registered strategy's parameters, config switch and regime mapping, its allocation
    and heat in the active book, and its live figures beside its newest backtest."""
    return _live_page(request, page="strategies", template="dashboard/strategies.html",
                      overview=strategies_overview(), fx=quotes_offered())


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """Settings: each venue's credentials, Telegram, market data source."""
    return _live_page(request, page="settings", template="dashboard/settings.html", overview=settings_overview())


@login_required
def backtests(request: HttpRequest) -> HttpResponse:
    """Backtests: a form that starts a run through the API (its progress arrives on the socket), the
    stored runs and the optimiser studies, newest first (live regions: page_context lists both)."""
    return _live_page(request, page="backtests", template="dashboard/backtests.html",
                      strategies=backtest_strategy_names(), sources=[source.value for source in CandleSource],
                      metrics=METRICS, metric_default=METRIC_DEFAULT, min_trades_default=MIN_TRADES_DEFAULT)


@login_required
def backtest(request: HttpRequest, run_id: int) -> HttpResponse:
    """One backtest run: metrics, TA-bonus attribution, equity and drawdown curves, every trade."""
    try:
        detail = backtest_run_detail(run_id=run_id)
    except BacktestRun.DoesNotExist:
        raise Http404(f"no backtest run {run_id}") from None
    return _live_page(request, page="backtest", template="dashboard/backtest.html", detail=detail)


@login_required
def backtest_study(request: HttpRequest, study_id: int) -> HttpResponse:
    """One optimiser study: searched ranges, each walk-forward window's best parameters, train score
    and test metrics, the recommendation and whether it was applied."""
    try:
        study = backtest_study_detail(study_id=study_id)
    except BacktestStudy.DoesNotExist:
        raise Http404(f"no optimiser study {study_id}") from None
    return _live_page(request, page="backtest", template="dashboard/backtest_study.html", study=study,
                      changes=backtest_study_config_changes(study=study))
