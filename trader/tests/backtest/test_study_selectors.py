"""Optimiser studies read for the page and the API: windows with train vs test, the recommendation, applied or not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trader.backtest.selectors import backtest_studies_list, backtest_study_detail
from trader.models import BacktestStatus, BacktestStudy
from trader.tests.backtest.studies import backtest_study_stored

pytestmark = pytest.mark.django_db


def test_a_study_summary_has_its_request_windows_and_recommendation():
    study = backtest_study_stored()
    summary = backtest_study_detail(study_id=study.pk)
    assert (summary["status"], summary["strategy"], summary["symbols"]) == ("done", "scanner", ["SOLUSDT", "DOGEUSDT"])
    assert (summary["metric"], summary["trials"], summary["start"]) == ("sharpe", 4, datetime(2024, 3, 1, tzinfo=UTC))
    assert set(summary["searched"]) == {"long_threshold", "short_threshold", "tp_pct", "sl_pct", "leverage_default",
                                        "leverage_60"}
    first, last = summary["windows"]
    assert (first["train_start"], first["train_end"]) == (datetime(2024, 3, 1, tzinfo=UTC),
                                                          datetime(2024, 3, 5, tzinfo=UTC))
    assert first["test_start"] == first["train_end"] and last["test_end"] == datetime(2024, 3, 13, tzinfo=UTC)
    assert (first["train_score"], first["test_metrics"]["sharpe"]) == (3.41, 2.15)
    assert summary["recommended"] == last["best_params"] and summary["applied"] is False
    with pytest.raises(BacktestStudy.DoesNotExist):
        backtest_study_detail(study_id=study.pk + 1)


def test_studies_are_listed_newest_first_and_an_applied_one_says_by_whom():
    older = backtest_study_stored()
    BacktestStudy.objects.filter(pk=older.pk).update(applied_at=datetime(2026, 3, 2, tzinfo=UTC),
                                                     applied_by="user:dj")
    failed = BacktestStudy.objects.create(status=BacktestStatus.FAILED, error="no candles of XRPUSDT")
    listed = backtest_studies_list()
    assert [study["id"] for study in listed] == [failed.pk, older.pk]
    assert (listed[1]["applied"], listed[1]["applied_by"]) == (True, "user:dj")
    assert (listed[0]["windows"], listed[0]["start"], listed[0]["trials"]) == ([], None, None)
