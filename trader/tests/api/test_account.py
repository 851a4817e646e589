"""/account, /account/config (masked), /account/test, /positions and closing positions."""

import pytest
from cryptography.fernet import Fernet

from trader.models import AuditEntry, Trade

pytestmark = pytest.mark.django_db

ACCESS_ID = "AB12CD34EF56GH78IJ90"
SECRET = "api-test-secret-0123456789abcdef"


def test_account_while_paused_is_409(api):
    response = api.get("/api/v1/account")
    assert response.status_code == 409
    assert "paused" in response.json()["error"]["message"]


def test_account_in_dry_run_shows_equity_and_kill_switch_distance(api, open_positions):
    body = api.get("/api/v1/account").json()
    assert body["mode"] == "dry-run" and body["asset"] == "USDT"
    assert float(body["margin"]) > 0 and float(body["equity"]) > 0
    assert body["starting_balance"] is not None
    assert float(body["kill_switch_distance_pct"]) == pytest.approx(50 - float(body["drawdown_pct"]))


def test_positions_lists_the_open_positions(api, open_positions):
    positions = {p["symbol"]: p for p in api.get("/api/v1/positions").json()}
    assert set(positions) == {"BTCUSDT", "ETHUSDT"}
    assert (positions["BTCUSDT"]["side"], positions["ETHUSDT"]["side"]) == ("long", "short")
    assert positions["BTCUSDT"]["leverage"] == Trade.objects.get(symbol="BTCUSDT").leverage


def test_closing_one_position_closes_it_and_audits_the_key(api, open_positions):
    response = api.post("/api/v1/positions/BTCUSDT/close")
    assert response.status_code == 200
    assert response.json()["symbol"] == "BTCUSDT" and response.json()["closed"] is True
    assert [p["symbol"] for p in api.get("/api/v1/positions").json()] == ["ETHUSDT"]
    assert Trade.objects.get(symbol="BTCUSDT").close_reason == "manual"
    assert AuditEntry.objects.get(action="position.close").actor == "api-key:ops"


def test_closing_a_symbol_without_a_position_is_409(api, open_positions):
    response = api.post("/api/v1/positions/SOLUSDT/close")
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "there is no open position in SOLUSDT"


def test_closing_a_malformed_symbol_is_400(api, open_positions):
    response = api.post("/api/v1/positions/btc-usd/close")
    assert response.status_code == 400
    assert "symbol" in response.json()["error"]["fields"]


def test_close_all_reports_each_position(api, open_positions):
    response = api.post("/api/v1/positions/close-all")
    assert response.status_code == 200
    assert sorted(o["symbol"] for o in response.json()["outcomes"] if o["closed"]) == ["BTCUSDT", "ETHUSDT"]
    assert api.get("/api/v1/positions").json() == []


def test_credentials_are_shown_masked(api, settings):
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = ACCESS_ID, SECRET
    body = api.get("/api/v1/account/config").json()
    assert body["configured"] is True and body["source"] == "environment"
    assert body["access_id_masked"] == "AB12****IJ90"
    assert SECRET not in str(body) and ACCESS_ID not in str(body)


def test_storing_credentials_encrypts_them_and_audits_only_the_masked_id(api, settings):
    settings.COINEX_ACCESS_ID = settings.COINEX_SECRET_KEY = ""
    settings.CREDENTIALS_ENCRYPTION_KEY = Fernet.generate_key().decode()
    response = api.put("/api/v1/account/config", {"access_id": ACCESS_ID, "secret_key": SECRET}, format="json")
    assert response.status_code == 200
    assert response.json()["source"] == "database" and response.json()["access_id_masked"] == "AB12****IJ90"
    entry = AuditEntry.objects.get(action="credentials.store")
    assert entry.actor == "api-key:ops"
    audit_text = f"{entry.old_value} {entry.new_value} {entry.detail}"
    assert SECRET not in audit_text and ACCESS_ID not in audit_text


def test_storing_credentials_without_an_encryption_key_is_409(api, settings):
    settings.CREDENTIALS_ENCRYPTION_KEY = ""
    response = api.put("/api/v1/account/config", {"access_id": ACCESS_ID, "secret_key": SECRET}, format="json")
    assert response.status_code == 409
    assert "CREDENTIALS_ENCRYPTION_KEY" in response.json()["error"]["message"]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("body", [{}, {"access_id": ACCESS_ID}, {"access_id": "", "secret_key": SECRET},
                                  {"access_id": 12345678, "secret_key": SECRET}])
def test_incomplete_credentials_are_400(api, body, settings):
    settings.CREDENTIALS_ENCRYPTION_KEY = Fernet.generate_key().decode()
    response = api.put("/api/v1/account/config", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) <= {"access_id", "secret_key"}


def test_connection_test_without_credentials_says_not_configured(api, settings):
    settings.COINEX_ACCESS_ID = settings.COINEX_SECRET_KEY = ""
    response = api.post("/api/v1/account/test")
    assert response.status_code == 200
    assert response.json()["status"] == "not_configured"
