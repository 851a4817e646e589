"""The control-suite routes (/api/trader/) act through the same services as /api/v1/:
a change made through one is what the other shows."""

import pytest

from trader.models import AuditEntry, LockKind, TraderMode
from trader.services.status import lock_trip, status_get

pytestmark = pytest.mark.django_db


def test_status_combines_state_positions_balance_and_config(api, open_positions):
    body = api.get("/api/trader/status").json()
    assert body["status"]["mode"] == "dry-run"
    assert sorted(p["symbol"] for p in body["positions"]) == ["BTCUSDT", "ETHUSDT"]
    assert body["balance"]["asset"] == "USDT"
    assert body["config"] == api.get("/api/v1/config").json()
    assert body["exchange"] == {"available": True, "detail": None}


def test_status_while_paused_says_why_there_are_no_positions(api):
    body = api.get("/api/trader/status").json()
    assert body["positions"] is None and body["balance"] is None
    assert body["exchange"]["available"] is False and "paused" in body["exchange"]["detail"]


def test_config_through_either_route_is_the_same_config(api):
    api.post("/api/trader/config", {"max_positions": 5}, format="json")
    assert api.get("/api/v1/config").json()["max_positions"] == 5
    api.patch("/api/v1/config", {"max_positions": 2}, format="json")
    assert api.get("/api/trader/status").json()["config"]["max_positions"] == 2
    bad = api.post("/api/trader/config", {"max_positions": 99}, format="json")
    assert bad.status_code == 400 and "max_positions" in bad.json()["error"]["fields"]


def test_start_in_dry_run_then_stop_then_pause(api):
    api.post("/api/v1/status/disable")
    started = api.post("/api/trader/control", {"action": "start", "mode": "dry-run"}, format="json")
    assert started.status_code == 200
    assert (started.json()["status"]["mode"], started.json()["status"]["enabled"]) == ("dry-run", True)
    assert api.get("/api/v1/status").json()["enabled"] is True
    api.post("/api/trader/control", {"action": "stop"}, format="json")
    assert api.get("/api/v1/status").json()["state"] == "disabled"
    api.post("/api/trader/control", {"action": "pause"}, format="json")
    assert status_get().mode == TraderMode.PAUSED
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["status.disable", "mode.set", "status.enable", "status.disable", "mode.set"]


def test_start_in_live_without_confirmation_is_refused(api, settings):
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = "ACCESSIDFORTESTS0001", "secret-for-tests-000001"
    response = api.post("/api/trader/control", {"action": "start", "mode": "live"}, format="json")
    assert response.status_code == 409
    assert status_get().mode == TraderMode.PAUSED


def test_start_while_locked_is_refused_until_the_lockfile_is_cleared(api):
    lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="3 consecutive failures")
    api.post("/api/v1/status/disable")
    assert api.post("/api/trader/control", {"action": "start"}, format="json").status_code == 409
    cleared = api.post("/api/trader/control", {"action": "clear-lockfile"}, format="json")
    assert cleared.json()["status"]["locked"] is False
    assert api.get("/api/v1/status").json()["locked"] is False
    assert api.post("/api/trader/control", {"action": "start"}, format="json").status_code == 200


def test_a_refused_start_does_not_leave_the_mode_switched(api):
    lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="3 consecutive failures")
    response = api.post("/api/trader/control", {"action": "start", "mode": "dry-run"}, format="json")
    assert response.status_code == 409
    assert status_get().mode == TraderMode.PAUSED
    assert not AuditEntry.objects.filter(action="mode.set").exists()


def test_emergency_stop_through_the_control_route(api, open_positions):
    response = api.post("/api/trader/control", {"action": "emergency-stop"}, format="json")
    assert response.status_code == 200
    assert sorted(o["symbol"] for o in response.json()["outcomes"] if o["closed"]) == ["BTCUSDT", "ETHUSDT"]
    assert api.get("/api/v1/status").json()["lock"]["kind"] == "emergency_stop"
    assert api.get("/api/v1/positions").json() == []


@pytest.mark.parametrize("body", [{}, {"action": "launch"}, {"action": "start", "mode": "paused"},
                                  {"action": "start", "confirm_live": "true"}])
def test_bad_control_requests_are_400(api, body):
    response = api.post("/api/trader/control", body, format="json")
    assert response.status_code == 400
    assert not AuditEntry.objects.exists()


def test_close_position_and_close_all_act_on_what_v1_shows(api, open_positions):
    closed = api.post("/api/trader/close-position", {"symbol": "ETHUSDT"}, format="json")
    assert closed.status_code == 200 and closed.json()["closed"] is True
    assert [p["symbol"] for p in api.get("/api/v1/positions").json()] == ["BTCUSDT"]
    assert api.post("/api/trader/close-position", {"symbol": "ETHUSDT"}, format="json").status_code == 409
    assert api.post("/api/trader/close-position", {"symbol": "eth"}, format="json").status_code == 400
    everything = api.post("/api/trader/close-all")
    assert [o["symbol"] for o in everything.json()["outcomes"]] == ["BTCUSDT"]
    assert api.get("/api/trader/status").json()["positions"] == []


def test_logs_show_trades_signals_cycles_and_errors(api, open_positions, settings, tmp_path):
    settings.LOG_DIR = str(tmp_path)
    (tmp_path / "trader.log").write_text(
        '{"timestamp": "2026-03-01T12:00:00+00:00", "level": "ERROR", "category": "TRADE", "logger": "t", '
        '"message": "order failed"}\n'
        '{"timestamp": "2026-03-01T12:00:01+00:00", "level": "INFO", "category": "TRADE", "logger": "t", '
        '"message": "fine"}\n')
    body = api.get("/api/trader/logs", {"limit": 5}).json()
    assert sorted(t["symbol"] for t in body["trades"]) == ["BTCUSDT", "ETHUSDT"]
    assert {d["symbol"] for d in body["signals"]} >= {"BTCUSDT", "ETHUSDT"}
    assert body["cycles"][0]["outcome"] == "ok"
    assert [e["message"] for e in body["errors"]] == ["order failed"]
    assert api.get("/api/trader/logs", {"limit": 0}).status_code == 400
