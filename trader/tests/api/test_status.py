"""/status, enable/disable, mode, the lockfile, the kill switch and the emergency stop."""

import json

import pytest

from trader.models import AuditEntry, LockKind, Trade, TraderMode
from trader.services.status import lock_trip, status_get

pytestmark = pytest.mark.django_db


def test_status_reports_mode_lock_lockfile_and_last_scan(api, market, settings, tmp_path):
    settings.TRADER_LOCKFILE_DIR = str(tmp_path)
    market.scan("BTCUSDT", long=10, price="50000")
    body = api.get("/api/v1/status").json()
    assert (body["mode"], body["enabled"], body["state"], body["locked"]) == ("paused", True, "enabled", False)
    assert body["lockfile"] == {"path": str(tmp_path / "live-trader-lock.json"), "present": False}
    assert body["last_scan_at"] is not None
    assert body["uptime_s"] is None


def test_disable_keeps_positions_and_is_audited_with_the_key(api, open_positions):
    response = api.post("/api/v1/status/disable")
    assert response.status_code == 200
    assert (response.json()["enabled"], response.json()["state"]) == (False, "disabled")
    assert Trade.objects.filter(closed_at__isnull=True).count() == 2
    entry = AuditEntry.objects.get(action="status.disable")
    assert (entry.actor, entry.via, entry.old_value, entry.new_value) == ("api-key:ops", "api", True, False)


def test_enable_while_locked_is_409_with_the_reason(api):
    api.post("/api/v1/status/disable")
    lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="3 consecutive failures")
    response = api.post("/api/v1/status/enable")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and "3 consecutive failures" in error["message"]
    assert status_get().enabled is False


def test_mode_dry_run_then_paused_is_audited(api):
    assert api.post("/api/v1/status/mode", {"mode": "dry-run"}, format="json").json()["mode"] == "dry-run"
    assert api.post("/api/v1/status/mode", {"mode": "paused"}, format="json").json()["mode"] == "paused"
    changes = list(AuditEntry.objects.filter(action="mode.set").order_by("id").values_list("old_value", "new_value"))
    assert changes == [("paused", "dry-run"), ("dry-run", "paused")]


def test_live_without_the_confirmation_field_is_refused(api, settings):
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = "ACCESSIDFORTESTS0001", "secret-for-tests-000001"
    response = api.post("/api/v1/status/mode", {"mode": "live"}, format="json")
    assert response.status_code == 409
    assert "explicit confirmation" in response.json()["error"]["message"]
    assert status_get().mode == TraderMode.PAUSED
    assert not AuditEntry.objects.filter(action="mode.set").exists()


def test_live_without_credentials_is_refused_even_when_confirmed(api, settings):
    settings.COINEX_ACCESS_ID = settings.COINEX_SECRET_KEY = ""
    response = api.post("/api/v1/status/mode", {"mode": "live", "confirm_live": True}, format="json")
    assert response.status_code == 409
    assert "credentials" in response.json()["error"]["message"]
    assert status_get().mode == TraderMode.PAUSED


@pytest.mark.parametrize("body", [{}, {"mode": "turbo"}, {"mode": "live", "confirm_live": "yes"}, {"mode": 1}])
def test_a_bad_mode_request_is_400_naming_the_field(api, body):
    response = api.post("/api/v1/status/mode", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) & {"mode", "confirm_live"}
    assert status_get().mode == TraderMode.PAUSED


def test_deleting_the_lockfile_clears_the_lock_and_removes_the_file(api, settings, tmp_path,
                                                                    django_capture_on_commit_callbacks):
    settings.TRADER_LOCKFILE_DIR = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="3 consecutive failures")
    lockfile = tmp_path / "live-trader-lock.json"
    assert json.loads(lockfile.read_text())["locked"] is True
    assert api.get("/api/v1/status").json()["lockfile"]["present"] is True
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete("/api/v1/status/lockfile")
    assert response.status_code == 200
    assert response.json()["locked"] is False
    assert not lockfile.exists()
    assert api.get("/api/v1/status").json()["lockfile"]["present"] is False
    assert AuditEntry.objects.filter(action="lock.clear", actor="api-key:ops").exists()


def test_a_latched_kill_switch_cannot_be_cleared_as_a_lockfile(api):
    lock_trip(kind=LockKind.KILL_SWITCH, reason="equity down 51%")
    response = api.delete("/api/v1/status/lockfile")
    assert response.status_code == 409
    assert "re-arm" in response.json()["error"]["message"]
    assert status_get().lock_kind == LockKind.KILL_SWITCH


def test_rearming_needs_a_latched_kill_switch(api):
    response = api.post("/api/v1/kill-switch/rearm", {"equity": 900}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "the kill switch is not latched"


def test_a_given_equity_is_only_a_cross_check_of_the_exchanges(api, dry_run):
    lock_trip(kind=LockKind.KILL_SWITCH, reason="equity down 51%")
    response = api.post("/api/v1/kill-switch/rearm", {"equity": 480.5}, format="json")
    assert response.status_code == 409 and "the exchange reports 1000" in response.json()["error"]["message"]
    assert status_get().lock_kind == LockKind.KILL_SWITCH
    response = api.post("/api/v1/kill-switch/rearm", {"equity": 1000}, format="json")
    assert response.status_code == 200
    assert response.json()["locked"] is False
    assert response.json()["starting_balance"] == "1000.00000000"
    assert AuditEntry.objects.filter(action="kill_switch.rearm", actor="api-key:ops").exists()


def test_rearm_without_equity_uses_the_exchange_equity(api, dry_run):
    lock_trip(kind=LockKind.KILL_SWITCH, reason="equity down 51%")
    response = api.post("/api/v1/kill-switch/rearm", {}, format="json")
    assert response.status_code == 200
    assert response.json()["starting_balance"] == "1000.00000000"  # the fresh paper account


def test_rearm_refuses_a_negative_equity(api):
    lock_trip(kind=LockKind.KILL_SWITCH, reason="equity down 51%")
    response = api.post("/api/v1/kill-switch/rearm", {"equity": -5}, format="json")
    assert response.status_code == 400 and "equity" in response.json()["error"]["fields"]
    assert status_get().lock_kind == LockKind.KILL_SWITCH


def test_emergency_stop_locks_and_closes_every_position(api, open_positions):
    response = api.post("/api/v1/emergency-stop")
    assert response.status_code == 200
    outcomes = response.json()["outcomes"]
    assert sorted((o["symbol"], o["closed"]) for o in outcomes) == [("BTCUSDT", True), ("ETHUSDT", True)]
    assert status_get().lock_kind == LockKind.EMERGENCY_STOP
    assert not Trade.objects.filter(closed_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="emergency_stop", actor="api-key:ops").exists()


def test_a_session_user_is_audited_by_name(session, session_user):
    csrf = _csrf_token(session)
    response = session.post("/api/v1/status/mode", {"mode": "dry-run"}, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="mode.set")
    assert (entry.actor, entry.user_id, entry.via) == ("dj", session_user.pk, "api")


def _csrf_token(client) -> str:
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    return _mask_cipher_secret(secret)
