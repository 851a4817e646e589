"""The walk-forward optimiser: windows, out-of-sample figures, and the live config untouched until applied."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from trader.backtest.optimise import (
    UNDEFINED_SCORE,
    OptimiseRequest,
    optimise,
    out_of_sample_summarise,
    trial_score,
    walk_forward_windows,
)
from trader.backtest.service import BacktestRequest
from trader.models import AuditEntry, BacktestStudy
from trader.services.config import config_as_dict, config_get

pytestmark = pytest.mark.django_db


def test_windows_cut_the_range_into_consecutive_train_and_test_parts():
    windows = walk_forward_windows(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 31, tzinfo=UTC), 2)
    assert [(w[0].day, w[1].day, w[2].day) for w in windows] == [(1, 11, 21), (11, 21, 31)]
    with pytest.raises(ValueError):
        walk_forward_windows(datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC), 2)


def test_a_study_reports_out_of_sample_figures_and_changes_the_config_only_when_applied(klines_dir):
    before = config_as_dict(config_get())
    out = StringIO()
    call_command("backtest_optimise", "--symbols", "SOLUSDT,DOGEUSDT", "--candles", str(klines_dir), "--from",
                 "2024-03-01", "--to", "2024-03-13", "--folds", "2", "--trials", "4", "--metric", "total_return_pct",
                 "--store", "--json", stdout=out, stderr=StringIO())
    outcome = json.loads(out.getvalue())
    assert len(outcome["folds"]) == 2
    for fold in outcome["folds"]:
        assert fold["train"][1] == fold["test"][0]  # the test window follows the one searched
        assert set(fold["best_params"]) == {"long_threshold", "short_threshold", "tp_pct", "sl_pct",
                                            "leverage_default", "leverage_60"}
        assert "total_return_pct" in fold["test_metrics"]
    assert config_as_dict(config_get()) == before  # searching never writes the live config

    study = BacktestStudy.objects.get(pk=outcome["study_id"])
    call_command("backtest_optimise", "--apply", str(study.pk), stdout=StringIO())
    config = config_get()
    recommended = study.recommended
    assert (config.long_threshold, float(config.tp_pct)) == (recommended["long_threshold"], recommended["tp_pct"])
    assert config.leverage_rules["default"] == recommended["leverage_default"]
    assert AuditEntry.objects.filter(action="config.update", field="long_threshold").exists() or \
        recommended["long_threshold"] == before["long_threshold"]
    study.refresh_from_db()
    assert study.applied_at is not None and study.applied_by


def test_a_trial_under_the_minimum_trades_scores_as_undefined():
    figures = {"sharpe_adj": 4.2, "trades": 9}
    assert trial_score(figures, metric="sharpe_adj", min_trades=10) == UNDEFINED_SCORE
    assert trial_score({**figures, "trades": 10}, metric="sharpe_adj", min_trades=10) == 4.2
    assert trial_score({"sharpe_adj": None, "trades": 50}, metric="sharpe_adj", min_trades=10) == UNDEFINED_SCORE


def _tiny_study(klines_dir, **changes) -> dict:
    base = BacktestRequest(strategy="scanner", symbols=("SOLUSDT",), start=datetime(2024, 3, 1, tzinfo=UTC),
                           end=datetime(2024, 3, 7, tzinfo=UTC), candles_dir=klines_dir)
    return optimise(request=OptimiseRequest(base=base, **{"folds": 1, "trials": 2, **changes}))


def test_an_unreachable_minimum_of_trades_leaves_every_train_window_undefined_and_flags_the_tests(klines_dir):
    outcome = _tiny_study(klines_dir, min_trades=100_000)
    assert [fold["train_score"] for fold in outcome["folds"]] == [UNDEFINED_SCORE]
    assert outcome["folds"][0]["test_metrics"]["under_min_trades"] is True
    assert outcome["out_of_sample"]["windows_under_min_trades"] == 1


def test_the_outcome_leads_with_the_out_of_sample_figures(klines_dir):
    outcome = _tiny_study(klines_dir, min_trades=0, metric="total_return_pct")
    assert list(outcome) == ["out_of_sample", "folds", "recommended"]
    assert list(outcome["folds"][0])[:2] == ["test", "test_metrics"], "each fold's test figures before its train"
    summary = outcome["out_of_sample"]
    test = outcome["folds"][0]["test_metrics"]
    assert (summary["objective"], summary["trades"]) == ("total_return_pct", test["trades"])
    assert summary["objective_mean"] == summary["objective_median"] == test["total_return_pct"]
    assert "sharpe_adj" in test and OptimiseRequest(base=None).metric == "sharpe_adj"  # the default objective


def test_out_of_sample_ignores_undefined_objectives_and_counts_thin_windows():
    folds = [{"test": ["a", "b"], "test_metrics": {"sharpe_adj": 1.0, "trades": 12}},
             {"test": ["b", "c"], "test_metrics": {"sharpe_adj": None, "trades": 2}},
             {"test": ["c", "d"], "test_metrics": {"sharpe_adj": 3.0, "trades": 20}}]
    summary = out_of_sample_summarise(folds=folds, metric="sharpe_adj", min_trades=10)
    assert (summary["trades"], summary["objective_mean"], summary["objective_median"]) == (34, 2.0, 2.0)
    assert [fold["under_min_trades"] for fold in summary["folds"]] == [False, True, False]
