"""The strategies page (seed tradefinder, dashboard "Strategies"): every registered strategy with its
parameters, config switch and regime mapping, its allocation and heat in the active book, and its live
figures beside its newest finished backtest; bounded queries whatever the data. Login: test_pages.PAGES."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from ta.engine.strategies.registry import REGIME_STRATEGY, STRATEGIES
from trader.models import BacktestRun, Trade
from trader.models.backtest import BacktestStatus
from trader.services.actor import Actor

pytestmark = pytest.mark.django_db

ACTOR = Actor.for_command(name="test")


def section(page: str, name: str) -> str:
    """The html of strategy ``name``'s panel."""
    match = re.search(rf'<section class="panel" aria-label="Strategy {name}".*?</section>', page, re.S)
    assert match, f"no panel for {name}"
    return match.group(0)


def dry_run_book() -> None:
    from trader.services.status import trader_mode_set

    trader_mode_set(mode="dry-run", actor=ACTOR)


def closed_trade(number: int, *, strategy: str, pnl: str, mode: str = "dry-run") -> Trade:
    closed = timezone.now() - timedelta(hours=10 - number)
    return Trade.objects.create(
        correlation_id=f"closed-{strategy}-{mode}-{number}", symbol="BTCUSDT", side="long", mode=mode,
        size=Decimal("0.01"), entry_price=Decimal("60000"), exit_price=Decimal("61000"), pnl=Decimal(pnl), leverage=5,
        margin=Decimal("120"), opened_at=closed - timedelta(hours=1), closed_at=closed, close_reason="tp",
        strategy=strategy)


def backtest_run(strategy: str, *, finished_days_ago: int, status: str = BacktestStatus.DONE,
                 trades: int = 12) -> BacktestRun:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return BacktestRun.objects.create(
        strategy=strategy, symbols=["ETHUSDT"], status=status, progress_pct=100.0, start=start,
        end=start + timedelta(days=30), finished_at=timezone.now() - timedelta(days=finished_days_ago),
        metrics={"start_balance": 10000.0, "final_equity": 10450.5, "total_return_pct": 4.51, "trades": trades,
                 "win_rate_pct": 41.67, "profit_factor": 1.37, "average_trade": 37.5417, "max_drawdown_pct": 3.2})


def test_every_registered_strategy_is_listed_with_its_parameters_switch_and_regimes(operator_client):
    from trader.services.config import config_update

    page = operator_client.get("/strategies").content.decode()
    assert '<a href="/strategies" aria-current="page">Strategies</a>' in page
    for name, cls in STRATEGIES.items():
        panel = section(page, name)
        assert escape(cls.__doc__.strip().splitlines()[0]) in panel
        for parameter, value in cls().parameters.items():
            assert f"<dt>{parameter}</dt><dd>{escape(value)}</dd>" in panel, (name, parameter)
        regimes = [regime for regime, mapped in REGIME_STRATEGY.items() if mapped == name]
        assert (", ".join(regimes) if regimes else "no regime maps to it") in panel
        assert "(mapping off)" in panel
        # The default config enables the scanner only.
        expected = "enabled" if name == "scanner" else "not enabled"
        assert f'data-role="enabled">{expected}</span>' in panel
    assert "trending_up, trending_down" in section(page, "supertrend")
    assert "uncertain" in page and "reduce exposure" in page

    config_update(changes={"strategies": ["scanner", "supertrend"], "use_regime_mapping": True}, actor=ACTOR)
    page = operator_client.get("/strategies").content.decode()
    assert 'data-role="enabled">enabled</span>' in section(page, "supertrend")
    assert 'data-role="enabled">not enabled</span>' in section(page, "mean_reversion")
    assert "(mapping on)" in section(page, "mean_reversion")
    assert 'data-role="regime-mapping"><span class="badge badge-green">on</span>' in page


def test_an_open_paper_position_shows_as_its_strategys_allocation_and_heat(operator_client, redis_conn):
    from config.bus.client import bus_set_json
    from config.bus.schema import KEY_STATE_BALANCE

    paused = operator_client.get("/strategies").content.decode()
    assert "none: the trader is paused" in paused and "no active book (paused)" in section(paused, "supertrend")

    dry_run_book()
    Trade.objects.create(correlation_id="open-1", symbol="BTCUSDT", side="long", mode="dry-run", size=Decimal("0.01"),
                         entry_price=Decimal("60000"), leverage=5, margin=Decimal("120"), opened_at=timezone.now(),
                         strategy="supertrend", risk_stop_price=Decimal("59000"))
    bus_set_json(key=KEY_STATE_BALANCE, payload={"asset": "USDT", "equity": "1000", "available": "880",
                                                 "margin": "120", "unrealized_pnl": "0", "at": None})
    page = operator_client.get("/strategies").content.decode()
    panel = section(page, "supertrend")
    # 120 margin of 1000 equity = 12 % (limit 25 %); 0.01 BTC x 60000 = 600 notional;
    # 1000 USDT to its stop x 0.01 BTC = 10 USDT at risk = 1 % heat.
    assert '<dt>margin</dt><dd><span data-ccy="USDT">120.00 USDT</span>' in panel
    assert '<dt>notional</dt><dd><span data-ccy="USDT">600.00 USDT</span>' in panel
    assert '<dt>risk to stops</dt><dd><span data-ccy="USDT">10.00 USDT</span>' in panel
    assert '<dt>exposure</dt><dd>12.00% <span class="muted">of 25.00% allowed</span></dd>' in panel
    assert "<dt>heat</dt><dd>1.00%" in panel
    assert 'data-role="heat">1.00%' in page
    assert "no open position in the dry-run book" in section(page, "mean_reversion")


def test_live_figures_beside_the_newest_finished_backtest_or_honest_absence(operator_client, settings):
    settings.FX_PROVIDER, settings.FX_FIXED_RATES, settings.FX_FIXED_RATES_DATE = "fixed", "CHF=0.80,EUR=0.92", \
        "2026-03-01"
    empty = section(operator_client.get("/strategies").content.decode(), "supertrend")
    assert empty.count("no trades yet") == 2 and "no backtest yet" in empty

    for number, pnl in enumerate(("30", "-10", "16")):
        closed_trade(number, strategy="supertrend", pnl=pnl)
    closed_trade(9, strategy="supertrend", pnl="-5", mode="live")
    closed_trade(5, strategy="scanner", pnl="7")
    older = backtest_run("supertrend", finished_days_ago=5, trades=3)
    newest = backtest_run("supertrend", finished_days_ago=1)
    backtest_run("supertrend", finished_days_ago=0, status=BacktestStatus.FAILED)
    page = operator_client.get("/strategies").content.decode()
    panel = section(page, "supertrend")
    cells = lambda label: re.search(rf"<tr><td>{label}</td>(.*?)</tr>", panel, re.S).group(1)  # noqa: E731
    # live book: one loss of 5 (PF 0/5); dry-run: 30 - 10 + 16 = 36 over 3 trades, 2 wins, PF 46/10;
    # backtest: the newest finished run (10450.50 - 10000 = 450.50), not the older one nor the newer failed one.
    assert re.findall(r'<td class="num">(\d+|\u2013)</td>', cells("trades")) == ["1", "3", "12"]
    assert re.findall(r'<td class="num">([\d.]+%|\u2013)</td>', cells("win rate")) == ["0.0%", "66.67%", "41.67%"]
    assert re.findall(r'<td class="num">([\d.]+|\u2013)</td>', cells("profit factor")) == ["0.0", "4.6", "1.37"]
    assert re.findall(r'data-ccy="USDT">(-?[\d.]+) USDT', cells("expectancy")) == ["-5.00", "12.00", "37.54"]
    assert re.findall(r'data-ccy="USDT">(-?[\d.]+) USDT', cells("PnL")) == ["-5.00", "36.00", "450.50"]
    assert '<span data-ccy="CHF">28.80 CHF</span>' in cells("PnL")  # the currency selector's other figures
    assert f'<a href="/backtests/{newest.id}">run {newest.id}</a>' in panel and f"/backtests/{older.id}" not in panel
    # A strategy with trades in one book only says so for the other; one without any run says so.
    scanner = section(page, "scanner")
    assert scanner.count("no trades yet") == 1 and "no backtest yet" in scanner
    scanner_trades = re.search(r"<tr><td>trades</td>(.*?)</tr>", scanner, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+|\u2013)</td>', scanner_trades) == ["\u2013", "1", "\u2013"]
    assert '<select id="currency"' in page and "1 USDT = 0.8 CHF (fixed rate of 2026-03-01)" in page


def test_the_page_reads_a_bounded_number_of_queries_whatever_the_data(operator_client, redis_conn):
    from dashboard.strategies_selectors import strategies_overview

    dry_run_book()
    operator_client.get("/strategies")  # warm the session and the config cache

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert operator_client.get("/strategies").status_code == 200
        return len(captured)

    def overview_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            strategies_overview()
        return len(captured)

    overview_before = overview_queries()
    # Open positions first: the header's shared live payload marks each one (not this page's reads).
    for name in STRATEGIES:
        Trade.objects.create(correlation_id=f"open-{name}", symbol=f"{name.upper()[:6]}USDT", side="short",
                             mode="dry-run", size=Decimal("1"), entry_price=Decimal("10"), leverage=2,
                             margin=Decimal("5"), opened_at=timezone.now(), strategy=name)
    page_before = page_queries()
    for index, name in enumerate(STRATEGIES):
        for number in range(3):
            closed_trade(10 * index + number, strategy=name, pnl="5")
            closed_trade(10 * index + number, strategy=name, pnl="-2", mode="live")
        backtest_run(name, finished_days_ago=2)
        backtest_run(name, finished_days_ago=1)
    assert overview_queries() == overview_before <= 8, "no query per strategy, position, trade or run"
    page_after = page_queries()
    assert page_after == page_before <= 40
