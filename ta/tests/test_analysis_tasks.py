"""The analysis task and its chaining after candle updates, on a real Celery worker."""

from __future__ import annotations

import pytest

from config.testing import wait_until
from ta.models import ScanResult, TAResult
from ta.signals import candles_updated
from ta.tasks import analysis as analysis_tasks
from ta.tasks.analysis import analyse_symbols
from ta.tests.analysis_data import candles_store

pytestmark = pytest.mark.klines


@pytest.mark.django_db
def test_task_runs_the_scan_and_returns_its_report(klines_dir):
    candles_store(klines_dir, "BTCUSDT")
    report = analyse_symbols.apply(kwargs={"symbols": ["BTCUSDT", "ETHUSDT"]}).get()
    assert report["analysed"] == ["BTCUSDT"]
    assert report["insufficient"] == {"ETHUSDT": "5m: 0 candles, at least 100 needed"}
    assert TAResult.objects.filter(symbol__symbol="BTCUSDT").exists()


@pytest.mark.services
def test_a_candle_update_chains_the_analysis_on_the_worker(transactional_db, klines_dir, celery_worker_process):
    candles_store(klines_dir, "SOLUSDT")
    candles_updated.send(sender=None, symbols=["SOLUSDT"], timeframes=["5m"], source="test")
    wait_until(lambda: ScanResult.objects.filter(symbol__symbol="SOLUSDT", status="ok").exists(),
               timeout_s=60, what="analysis of SOLUSDT chained after its candle update")
    assert TAResult.objects.get(symbol__symbol="SOLUSDT").payload["symbol"] == "SOLUSDT"


def test_chaining_can_be_turned_off(settings, monkeypatch):
    queued = []
    monkeypatch.setattr(analysis_tasks.analyse_symbols, "delay", lambda symbols: queued.append(symbols))
    candles_updated.send(sender=None, symbols=["BTCUSDT"], timeframes=["5m"], source="test")
    assert queued == [["BTCUSDT"]]
    settings.TA_CHAIN_AFTER_FETCH = False
    candles_updated.send(sender=None, symbols=["ETHUSDT"], timeframes=["5m"], source="test")
    assert queued == [["BTCUSDT"]]
