"""Live performance is measured by the backtester's own metric code, per book, from the platform's records."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import numpy as np
import pytest

from trader.backtest.metrics import metrics_compute
from trader.backtest.portfolio import RunResult, TradeResult
from trader.models import Book, BookLedger, CycleLog, EquitySnapshot, Trade
from trader.performance_selectors import performance_by_mode, performance_of
from trader.services.performance import equity_snapshots_take

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DRY = Book(mode="dry-run", venue="coinex")
# symbol, strategy, pnl, day: two wins and a loss in dry-run
CLOSED = [("BTCUSDT", "scanner", "100", 0), ("ETHUSDT", "supertrend", "-50", 1), ("BTCUSDT", "supertrend", "30", 2)]
EQUITY = ["1100", "1050", "1080"]  # each day's close


def record_book(mode="dry-run"):
    BookLedger.objects.create(mode=mode, venue="coinex", starting_balance=D("1000"), equity_peak=D("1100"))
    for index, (symbol, strategy, pnl, day) in enumerate(CLOSED):
        Trade.objects.create(
            correlation_id=f"sig-{mode}-{index}", symbol=symbol, side="long", mode=mode, venue="coinex",
            size=D("0.01"), entry_price=D("50000"), exit_price=D("50000") + D(pnl) * 100, leverage=5,
            margin=D("100"), fees=D("0.5"), pnl=D(pnl), opened_at=DAY + timedelta(days=day, hours=-1),
            closed_at=DAY + timedelta(days=day), close_reason="tp" if D(pnl) > 0 else "sl", strategy=strategy)
    for day, equity in enumerate(EQUITY):
        EquitySnapshot.objects.create(mode=mode, venue="coinex", day=(DAY + timedelta(days=day)).date(),
                                      equity=D(equity), at=DAY + timedelta(days=day, hours=6))


def test_live_figures_are_the_backtesters_metrics_of_the_same_trades_and_curve():
    record_book()
    live = performance_of(book=DRY)
    # The same trades and daily equity, put through the backtester's metric code by hand.
    trades = [TradeResult(symbol=s, side="long", entry_time=DAY, entry_price=D("50000"), pnl=D(p), strategy=g)
              for s, g, p, _ in CLOSED]
    times = np.array([int((DAY + timedelta(days=d, hours=6)).timestamp()) * 10**9 for d in range(3)])
    reference = metrics_compute(RunResult(trades=trades, times_ns=times, equity=np.array([float(e) for e in EQUITY]),
                                          exposure=np.zeros(3), starting_balance=D("1000"), candles=0))
    for name in ("win_rate_pct", "profit_factor", "sharpe", "sortino", "max_drawdown_pct", "total_return_pct",
                 "final_equity", "per_symbol"):
        assert live[name] == reference[name], name
    assert live["expectancy"] == reference["average_trade"]
    # What a user reads: 2 of 3 won, 130 won for 50 lost, 26.67 per trade, 4.55 % below the 1100 peak.
    assert (live["trades"], live["win_rate_pct"], live["profit_factor"], live["expectancy"]) == (3, 66.67, 2.6, 26.6667)
    assert live["max_drawdown_pct"] == 4.55 and live["sharpe"] is not None and live["sortino"] is not None
    assert live["per_strategy"] == {
        "scanner": {"trades": 1, "wins": 1, "pnl": 100.0, "win_rate_pct": 100.0},
        "supertrend": {"trades": 2, "wins": 1, "pnl": -20.0, "win_rate_pct": 50.0}}
    assert [point[1] for point in live["equity_curve"]] == [1100.0, 1050.0, 1080.0]


def test_dry_run_and_live_are_measured_apart():
    record_book(mode="dry-run")
    figures = performance_by_mode(venue="coinex")
    assert figures["live"] is None  # no live cycle ever ran
    assert figures["dry-run"]["trades"] == 3
    BookLedger.objects.create(mode="live", venue="coinex", starting_balance=D("500"))
    Trade.objects.create(correlation_id="sig-live", symbol="SOLUSDT", side="short", mode="live", venue="coinex",
                         size=D("1"), entry_price=D("150"), exit_price=D("160"), leverage=5, margin=D("30"),
                         pnl=D("-10"), opened_at=DAY, closed_at=DAY + timedelta(hours=2), close_reason="sl")
    live = performance_by_mode(venue="coinex")["live"]
    # No snapshot yet: the curve is the starting balance plus the realised pnl.
    assert (live["trades"], live["win_rate_pct"], live["final_equity"], live["per_symbol"]["SOLUSDT"]["pnl"]) == (
        1, 0.0, 490.0, -10.0)


def test_the_daily_snapshot_keeps_each_books_latest_equity_of_the_day():
    BookLedger.objects.create(mode="dry-run", venue="coinex", starting_balance=D("1000"))
    BookLedger.objects.create(mode="live", venue="coinex", starting_balance=D("500"))
    for mode, equity, hours in (("dry-run", "990", 1), ("dry-run", "1010", 2), ("live", "505", 1)):
        CycleLog.objects.create(started_at=DAY + timedelta(hours=hours), mode=mode, venue="coinex",
                                equity=D(equity))
    assert equity_snapshots_take() == 2
    CycleLog.objects.create(started_at=DAY + timedelta(hours=3), mode="dry-run", venue="coinex", equity=D("1020"))
    equity_snapshots_take()  # the same day again: rewritten, not added
    rows = {(s.mode, s.day): s.equity for s in EquitySnapshot.objects.all()}
    assert rows == {("dry-run", date(2026, 3, 1)): D("1020"), ("live", date(2026, 3, 1)): D("505")}


def test_the_trader_page_shows_the_figures_of_each_book(client):
    from django.contrib.auth import get_user_model

    record_book()
    client.force_login(get_user_model().objects.create_user("viewer"))
    page = client.get("/trader").content.decode()
    assert 'id="performance"' in page and "66.67%" in page and "26.67 USDT" in page
    assert 'aria-label="dry-run equity curve"' in page
