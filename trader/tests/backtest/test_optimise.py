"""The walk-forward optimiser: windows, out-of-sample figures, and the live config untouched until applied."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from trader.backtest.optimise import walk_forward_windows
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
