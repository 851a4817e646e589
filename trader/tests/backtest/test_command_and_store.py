"""manage.py backtest, stored runs, the selector the page reads, and the task's progress."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from trader.backtest.selectors import backtest_run_detail
from trader.backtest.service import BacktestRequest, backtest_run_execute
from trader.models import BacktestRun, BacktestStatus

pytestmark = pytest.mark.django_db
TRADE_KEYS = {"side", "entry_time", "entry_price", "exit_time", "exit_price", "pnl"}


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("backtest", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_ema_cross_json_lists_every_trade_beside_the_metrics(klines_dir):
    output = json.loads(run_command("--strategy", "ema_cross", "--symbols", "BTCUSDT", "--candles", str(klines_dir),
                                    "--from", "2024-01-08", "--to", "2024-01-15", "--tp-pct", "0.4", "--sl-pct",
                                    "0.3", "--fee-pct", "0.05", "--json"))
    trades = output["trades"]
    assert len(trades) == output["metrics"]["trades"] > 20
    assert TRADE_KEYS <= set(trades[0])
    first_entry = datetime.fromisoformat(trades[0]["entry_time"])
    assert datetime(2024, 1, 8, tzinfo=UTC) < first_entry < datetime(2024, 1, 15, tzinfo=UTC)
    assert {t["side"] for t in trades} == {"long", "short"}
    assert output["request"]["fee_pct"] == "0.05"


def test_the_scanner_run_is_stored_with_trades_and_an_equity_curve(klines_dir):
    output = run_command("--symbols", "SOLUSDT,DOGEUSDT", "--candles", str(klines_dir), "--from", "2024-01-10",
                         "--to", "2024-01-24", "--store", "--attribution")
    run = BacktestRun.objects.get()
    assert f"stored as run {run.pk}" in output
    assert run.status == BacktestStatus.DONE and run.trades.count() == run.metrics["trades"] > 0
    assert set(run.metrics["per_symbol"]) <= {"SOLUSDT", "DOGEUSDT"}
    assert set(run.attribution) == {"without_ta_bonus", "with_ta_bonus", "ta_bonus_effect"}
    detail = backtest_run_detail(run_id=run.pk)
    assert len(detail["equity"]) == len(detail["drawdown_pct"]) > 100
    assert detail["equity"][0][0] >= int(datetime(2024, 1, 10, tzinfo=UTC).timestamp() * 1000)
    assert max(point[1] for point in detail["drawdown_pct"]) == pytest.approx(run.metrics["max_drawdown_pct"],
                                                                              abs=0.5)
    assert detail["trades"][0]["entry_time"] <= detail["trades"][-1]["entry_time"]


def test_bad_requests_are_refused_with_the_reason(klines_dir, tmp_path):
    with pytest.raises(CommandError, match="unknown strategy"):
        run_command("--strategy", "moon", "--symbols", "BTCUSDT", "--candles", str(klines_dir))
    with pytest.raises(CommandError, match="--tp-pct and --sl-pct"):
        run_command("--strategy", "ema_cross", "--symbols", "BTCUSDT", "--candles", str(klines_dir))
    with pytest.raises(CommandError, match="no NOPEUSDT-5m"):
        run_command("--symbols", "NOPEUSDT", "--candles", str(tmp_path))


def test_the_task_saves_progress_and_results_or_the_failure(klines_dir, tmp_path):
    request = BacktestRequest(strategy="ema_cross", symbols=("ETHUSDT",), candles_dir=klines_dir,
                              start=datetime(2024, 2, 1, tzinfo=UTC), end=datetime(2024, 2, 8, tzinfo=UTC),
                              tp_pct=None, sl_pct=None)
    good = BacktestRun.objects.create(strategy="ema_cross", parameters={
        **request.as_json(), "tp_pct": "0.5", "sl_pct": "0.5", "fee_pct": "0.05"})
    run = backtest_run_execute(run_id=good.pk)
    assert (run.status, run.progress_pct) == (BacktestStatus.DONE, 100.0)
    assert run.trades.count() == run.metrics["trades"] > 0
    bad = BacktestRun.objects.create(strategy="ema_cross", parameters={
        **request.as_json(), "tp_pct": "0.5", "sl_pct": "0.5", "candles_dir": str(tmp_path)})
    failed = backtest_run_execute(run_id=bad.pk)
    assert failed.status == BacktestStatus.FAILED and "ETHUSDT-5m" in failed.error


def test_the_celery_task_runs_a_stored_request_and_a_bad_request_is_refused_before_queueing(klines_dir):
    from trader.backtest.service import backtest_queue
    from trader.tasks import backtest_run

    request = BacktestRequest(strategy="ema_cross", symbols=("SOLUSDT",), candles_dir=klines_dir,
                              start=datetime(2024, 2, 1, tzinfo=UTC), end=datetime(2024, 2, 4, tzinfo=UTC))
    run = BacktestRun.objects.create(strategy="ema_cross", parameters={**request.as_json(), "tp_pct": "0.5",
                                                                        "sl_pct": "0.5"})
    outcome = backtest_run.apply(args=(run.pk,)).get()
    assert outcome["status"] == BacktestStatus.DONE and outcome["trades"] > 0
    with pytest.raises(ValueError, match="unknown strategy"):
        backtest_queue(request=BacktestRequest(strategy="moon", symbols=("SOLUSDT",)))
    assert BacktestRun.objects.count() == 1
