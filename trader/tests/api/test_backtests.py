"""POST /backtests starts a run (202, audited), GET lists runs and shows one; bad input is a 400 naming the field."""

from __future__ import annotations

import pytest

from trader.models import AuditEntry, BacktestRun, BacktestStatus

pytestmark = pytest.mark.django_db

START = {"strategy": "ema_cross", "symbols": ["SOLUSDT"], "start": "2024-02-01", "end": "2024-02-04",
         "source": "files", "tp_pct": 0.5, "sl_pct": 0.5, "fee_pct": 0.05}


@pytest.fixture(autouse=True)
def _candle_files(settings, klines_dir):
    settings.KLINES_DIR = klines_dir


def test_a_start_answers_202_with_the_pending_run_then_it_is_listed_and_shown(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api.post("/api/v1/backtests", {**START, "overrides": {"starting_balance": 2500}}, format="json")
    assert response.status_code == 202, response.json()
    started = response.json()
    assert (started["status"], started["progress_pct"], started["symbols"]) == ("pending", 0.0, ["SOLUSDT"])
    assert started["page_url"] == f"/backtests/{started['id']}"
    assert len(queued) == 1
    assert AuditEntry.objects.get(action="backtest.start").actor == "api-key:ops"
    assert BacktestRun.objects.get().parameters["overrides"] == {"starting_balance": "2500.00"}

    BacktestRun.objects.filter(pk=started["id"]).update(status=BacktestStatus.DONE, progress_pct=100.0,
                                                         metrics={"total_return_pct": 1.5, "trades": 4})
    shown = api.get(f"/api/v1/backtests/{started['id']}").json()
    assert (shown["status"], shown["progress_pct"], shown["metrics"]["trades"]) == ("done", 100.0, 4)
    listed = api.get("/api/v1/backtests", {"status": "done"}).json()
    assert [run["id"] for run in listed["results"]] == [started["id"]]
    assert api.get("/api/v1/backtests", {"status": "failed"}).json()["count"] == 0


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"strategy": "moon"}, "strategy", '"moon" is not a valid choice.'),
    ({"symbols": []}, "symbols", "at least 1 elements"),
    ({"symbols": ["NOPEUSDT"]}, "symbols", "no candles of NOPEUSDT 5m in the candle files"),
    ({"end": "2024-01-01"}, "end", "must be after the start"),
    ({"tp_pct": None}, "tp_pct", "ema_cross needs tp_pct and sl_pct (price-move percentages)"),
    ({"tp_pct": "0.5"}, "tp_pct", "must be a value of the documented type"),
    ({"overrides": {"max_positons": 2}}, "overrides.max_positons", "unknown field"),
    ({"overrides": {"max_positions": 0}}, "overrides.max_positions", "greater than or equal to 1"),
    ({"symbols": ["SOLUSDT", "sol"]}, "symbols.1", "does not match the required pattern"),
    ({"candles_dir": "/etc"}, "candles_dir", "unknown field"),
])
def test_bad_input_is_400_naming_the_field_and_nothing_is_started(api, change, field, message):
    body = {key: value for key, value in {**START, **change}.items() if value is not None}
    response = api.post("/api/v1/backtests", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"]
    assert message in str(error["fields"][field])
    assert BacktestRun.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_a_third_run_waits_with_409_while_two_are_active(api):
    for _ in range(2):
        assert api.post("/api/v1/backtests", START, format="json").status_code == 202
    refused = api.post("/api/v1/backtests", START, format="json")
    assert refused.status_code == 409 and "already pending or running" in refused.json()["error"]["message"]
    assert BacktestRun.objects.count() == 2


def test_a_read_only_key_lists_and_shows_runs_but_cannot_start_one(api, api_read):
    run_id = api.post("/api/v1/backtests", START, format="json").json()["id"]
    assert api_read.get("/api/v1/backtests").json()["count"] == 1
    assert api_read.get(f"/api/v1/backtests/{run_id}").json()["id"] == run_id
    refused = api_read.post("/api/v1/backtests", START, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert api_read.post(f"/api/v1/backtests/{run_id}/cancel").status_code == 403
    assert BacktestRun.objects.count() == 1 and BacktestRun.objects.get().status == BacktestStatus.PENDING


def test_cancelling_a_run_frees_its_slot_and_is_audited(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        started = [api.post("/api/v1/backtests", START, format="json").json() for _ in range(2)]
    assert api.post("/api/v1/backtests", START, format="json").status_code == 409
    response = api.post(f"/api/v1/backtests/{started[0]['id']}/cancel")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert response.json()["error"] == "cancelled by API key 'ops' while pending at 0 %"
    assert AuditEntry.objects.get(action="backtest.cancel").actor == "api-key:ops"
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post("/api/v1/backtests", START, format="json").status_code == 202, "slot freed"

    again = api.post(f"/api/v1/backtests/{started[0]['id']}/cancel")
    assert again.status_code == 409 and "only a pending or running run" in again.json()["error"]["message"]
    BacktestRun.objects.filter(pk=started[1]["id"]).update(status=BacktestStatus.DONE)
    assert api.post(f"/api/v1/backtests/{started[1]['id']}/cancel").status_code == 409
    assert BacktestRun.objects.get(pk=started[1]["id"]).status == BacktestStatus.DONE
    for path in ("/api/v1/backtests/999999/cancel", f"/api/v1/backtests/{2**70}/cancel"):
        assert api.post(path).status_code == 404
    assert api.post(f"/api/v1/backtests/{started[1]['id']}/cancel", {"x": 1}, format="json").status_code == 400


def test_a_session_starts_a_run_with_its_csrf_token_and_is_audited_as_the_user(session, session_user):
    assert session.post("/api/v1/backtests", START, format="json").status_code == 403, "no CSRF token"
    session.get("/backtests")  # the page sets the CSRF cookie
    token = session.cookies["csrftoken"].value
    response = session.post("/api/v1/backtests", START, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 202
    entry = AuditEntry.objects.get(action="backtest.start")
    assert (entry.actor, entry.user_id) == ("dj", session_user.pk)


def test_an_unknown_run_is_404_in_the_api_shape(api):
    for path in ("/api/v1/backtests/999999", f"/api/v1/backtests/{2**70}"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_studies_are_listed_and_one_is_shown_with_its_windows(api):
    from trader.tests.backtest.studies import backtest_study_stored

    study = backtest_study_stored()
    listed = api.get("/api/v1/backtests/studies").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == study.pk
    shown = api.get(f"/api/v1/backtests/studies/{study.pk}").json()
    assert (shown["strategy"], shown["metric"], shown["applied"]) == ("scanner", "sharpe", False)
    assert [window["test_metrics"]["total_return_pct"] for window in shown["windows"]] == [1.73, -0.86]
    assert shown["windows"][0]["train_start"] == "2024-03-01T00:00:00Z"
    assert shown["recommended"]["long_threshold"] == 53 and shown["page_url"] == f"/backtests/studies/{study.pk}"
    assert "candles_dir" not in str(shown), "the server's paths stay on the server"
    assert api.get("/api/v1/backtests/studies", {"status": "failed"}).json()["count"] == 0


def test_an_unknown_study_is_404_and_studies_need_a_key_or_session(api, api_read, anon):
    from trader.tests.backtest.studies import backtest_study_stored

    study = backtest_study_stored()
    missing = api.get(f"/api/v1/backtests/studies/{study.pk + 1}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert api.get(f"/api/v1/backtests/studies/{2**63}").status_code == 404
    assert api_read.get(f"/api/v1/backtests/studies/{study.pk}").json()["id"] == study.pk
    assert anon.get("/api/v1/backtests/studies").status_code == 401
    assert anon.get(f"/api/v1/backtests/studies/{study.pk}").status_code == 401


STUDY_START = {"strategy": "scanner", "symbols": ["SOLUSDT"], "start": "2024-03-01", "end": "2024-03-07",
               "source": "files", "folds": 1, "trials": 2, "min_trades": 0}


def test_a_study_start_answers_202_with_a_location_and_is_audited(api, django_capture_on_commit_callbacks):
    from trader.models import BacktestStudy

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api.post("/api/v1/backtests/studies", STUDY_START, format="json")
    assert response.status_code == 202, response.json()
    started = response.json()
    assert response["Location"] == f"/api/v1/backtests/studies/{started['id']}"
    assert (started["status"], started["origin"], started["metric"], started["min_trades"]) == (
        "pending", "api", "sharpe_adj", 0)
    assert list(started)[:4] == ["id", "status", "progress_pct", "out_of_sample"], "out of sample first"
    assert len(queued) == 1
    entry = AuditEntry.objects.get(action="backtest.study_start")
    assert entry.actor == "api-key:ops" and f"study {started['id']}" in entry.detail
    refused = api.post("/api/v1/backtests/studies", STUDY_START, format="json")
    assert refused.status_code == 409 and "already pending or running" in refused.json()["error"]["message"]
    assert BacktestStudy.objects.count() == 1


def test_a_bad_study_request_is_400_listing_every_problem_and_starts_nothing(api):
    from trader.models import BacktestStudy

    response = api.post("/api/v1/backtests/studies", {**STUDY_START, "metric": "luck", "folds": 0, "trials": 0,
                                                      "symbols": ["sol"]}, format="json")
    assert response.status_code == 400
    assert {"metric", "folds", "trials", "symbols.0"} <= set(response.json()["error"]["fields"])
    response = api.post("/api/v1/backtests/studies", {**STUDY_START, "symbols": ["NOPEUSDT"], "min_trades": 5,
                                                      "end": "2024-02-01"}, format="json")
    assert response.status_code == 400
    assert "must be after the start" in str(response.json()["error"]["fields"]["end"])
    assert BacktestStudy.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_a_read_only_key_cannot_start_or_apply_a_study(api_read):
    from trader.tests.backtest.studies import backtest_study_stored

    study = backtest_study_stored()
    assert api_read.post("/api/v1/backtests/studies", STUDY_START, format="json").status_code == 403
    assert api_read.post(f"/api/v1/backtests/studies/{study.pk}/apply").status_code == 403
    assert api_read.post(f"/api/v1/backtests/studies/{study.pk}/cancel").status_code == 403
    assert AuditEntry.objects.count() == 0


def test_cancelling_a_study_frees_the_slot_and_is_audited(api, django_capture_on_commit_callbacks):
    from trader.models import BacktestStudy
    from trader.tests.backtest.studies import backtest_study_stored

    with django_capture_on_commit_callbacks(execute=False):
        started = api.post("/api/v1/backtests/studies", STUDY_START, format="json").json()
    assert api.post("/api/v1/backtests/studies", STUDY_START, format="json").status_code == 409
    response = api.post(f"/api/v1/backtests/studies/{started['id']}/cancel")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert "cancelled by API key 'ops' while pending" in response.json()["error"]
    assert AuditEntry.objects.get(action="backtest.study_cancel").actor == "api-key:ops"
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post("/api/v1/backtests/studies", STUDY_START, format="json").status_code == 202, "slot freed"

    again = api.post(f"/api/v1/backtests/studies/{started['id']}/cancel")
    assert again.status_code == 409 and "only a pending or running study" in again.json()["error"]["message"]
    done = backtest_study_stored()
    assert api.post(f"/api/v1/backtests/studies/{done.pk}/cancel").status_code == 409
    assert BacktestStudy.objects.get(pk=done.pk).status == BacktestStatus.DONE
    assert api.post(f"/api/v1/backtests/studies/{done.pk + 100}/cancel").status_code == 404
    assert api.post(f"/api/v1/backtests/studies/{done.pk}/cancel", {"x": 1}, format="json").status_code == 400


def test_applying_a_study_writes_the_config_and_is_audited(api):
    from trader.models import BacktestStudy
    from trader.services.config import config_get
    from trader.tests.backtest.studies import backtest_study_stored

    study = backtest_study_stored()
    response = api.post(f"/api/v1/backtests/studies/{study.pk}/apply")
    assert response.status_code == 200, response.json()
    assert (response.json()["applied"], response.json()["applied_by"]) == (True, "api-key:ops")
    config = config_get()
    assert (config.long_threshold, config.short_threshold, float(config.tp_pct)) == (53, 41, 6.0)
    assert config.leverage_rules == {"60+": 5, "default": 2}
    assert AuditEntry.objects.get(action="backtest.study_apply").actor == "api-key:ops"
    assert AuditEntry.objects.filter(action="config.update", field="long_threshold").exists()

    pending = BacktestStudy.objects.create(parameters=study.parameters)
    refused = api.post(f"/api/v1/backtests/studies/{pending.pk}/apply")
    assert refused.status_code == 409 and "only a finished study" in refused.json()["error"]["message"]
    assert api.post(f"/api/v1/backtests/studies/{pending.pk + 1}/apply").status_code == 404
    assert api.post(f"/api/v1/backtests/studies/{study.pk}/apply", {"x": 1}, format="json").status_code == 400


def test_a_study_shows_its_out_of_sample_figures_before_the_train_ones(api):
    from trader.tests.backtest.studies import backtest_study_stored

    shown = api.get(f"/api/v1/backtests/studies/{backtest_study_stored().pk}").json()
    keys = list(shown)
    assert keys.index("out_of_sample") < keys.index("windows")
    summary = shown["out_of_sample"]
    assert (summary["trades"], summary["objective"], summary["windows"]) == (15, "sharpe", 2)
    assert [fold["objective"] for fold in summary["folds"]] == [2.15, -1.04]
    assert summary["objective_median"] == 0.555 and summary["windows_under_min_trades"] == 2
