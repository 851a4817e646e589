"""Dashboard test data: real candles and real scans for a few coins, a logged-in operator."""

from __future__ import annotations

import secrets
from pathlib import Path

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ta.services.analysis import analysis_scan
from ta.services.structure import structure_scan
from ta.testing.symbols import symbols_seed
from ta.tests.analysis_data import END, candles_store

SCANNED = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT")
PASSWORD = secrets.token_urlsafe(12)


def scan_real_candles(klines_dir: Path, symbols: tuple[str, ...] = SCANNED, *, end: pd.Timestamp = END) -> None:
    """Store real candles for ``symbols`` (up to ``end``) and run the real scan over them."""
    symbols_seed()
    for symbol in symbols:
        candles_store(klines_dir, symbol, end=end)
    analysis_scan(symbols=list(symbols))
    structure_scan(symbols=list(symbols), timeframes=["1h"])


@pytest.fixture
def scanned(db, klines_dir) -> tuple[str, ...]:
    scan_real_candles(klines_dir)
    return SCANNED


@pytest.fixture
def operator_user(db):
    return get_user_model().objects.create_user("dash-operator", password=PASSWORD)


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def backtest_run_stored(klines_dir: Path | None = None):
    """A stored backtest run as the backtester saves one (the page only reads stored rows):
    three trades on real ETHUSDT prices, metrics and an hourly equity curve over a week."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from trader.models import BacktestRun
    from trader.models.backtest import BacktestStatus, BacktestTrade

    start = datetime(2024, 2, 1, tzinfo=UTC)
    equity = [[int((start + timedelta(hours=hour)).timestamp() * 1000), 1000 + 3 * (hour % 24) - hour * 0.2]
              for hour in range(7 * 24)]
    run = BacktestRun.objects.create(
        strategy="ema_cross", symbols=["ETHUSDT"], status=BacktestStatus.DONE, progress_pct=100.0,
        start=start, end=start + timedelta(days=7), parameters={"tp_pct": "0.5", "sl_pct": "0.5"},
        metrics={"start_balance": 1000.0, "final_equity": 966.6, "total_return_pct": -3.34, "max_drawdown_pct": 7.1,
                 "trades": 3, "win_rate_pct": 33.33, "profit_factor": 0.61, "sharpe": -1.2,
                 "per_symbol": {"ETHUSDT": {"trades": 3, "wins": 1, "pnl": -33.4, "win_rate_pct": 33.33}}},
        equity_curve=equity,
    )
    for number, (side, entry, exit_, pnl) in enumerate(
        (("long", "2300", "2311.5", "11.2"), ("short", "2320", "2331.6", "-11.9"), ("long", "2290", "2257", "-32.7"))
    ):
        entry_time = start + timedelta(days=2 * number, hours=3)
        BacktestTrade.objects.create(
            run=run, symbol="ETHUSDT", side=side, entry_time=entry_time, entry_price=Decimal(entry),
            exit_time=entry_time + timedelta(hours=5), exit_price=Decimal(exit_), amount=Decimal("0.4"), leverage=5,
            fees=Decimal("0.9"), pnl=Decimal(pnl), reason="tp" if pnl[0] != "-" else "sl", score=55)
    return run
