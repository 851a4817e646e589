"""/account, /account/config (masked), /account/test, /positions and closing positions."""

from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer
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


def test_account_shows_the_portfolio_heat_and_each_strategys_allocation(api, open_positions):
    body = api.get("/api/v1/account").json()
    trades = Trade.objects.open()
    # Both scanner trades are measured to their stop-loss on the exchange: entry to stop x size.
    risk = sum(abs(t.entry_price - t.stop_loss_price) * t.size for t in trades)
    assert Decimal(body["open_risk"]) == risk.quantize(Decimal("0.01"))
    assert Decimal(body["portfolio_heat_pct"]) == (risk / Decimal(body["equity"]) * 100).quantize(Decimal("0.01"))
    assert body["max_portfolio_heat_pct"] == "6.00"
    scanner = body["allocation"]["strategies"]["scanner"]
    assert scanner["positions"] == 2 and Decimal(scanner["margin"]) == sum(t.margin for t in trades).quantize(
        Decimal("0.01"))


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


BINANCE_KEY, BINANCE_SECRET = "BNKEY0123456789abcdefXYZW", "binance-api-test-secret-0123456789"


@pytest.fixture(scope="module")
def binance_server():
    server = BinanceSandboxServer(sandbox=BinanceSandbox(api_key=BINANCE_KEY, secret_key=BINANCE_SECRET)).start()
    yield server
    server.stop()


@pytest.fixture
def no_env_credentials(settings):
    settings.COINEX_ACCESS_ID = settings.COINEX_SECRET_KEY = ""
    settings.BINANCE_API_KEY = settings.BINANCE_API_SECRET = ""
    settings.CREDENTIALS_ENCRYPTION_KEY = Fernet.generate_key().decode()


def test_each_venue_stores_and_shows_its_own_credentials(api, no_env_credentials):
    assert api.put("/api/v1/account/config", {"access_id": ACCESS_ID, "secret_key": SECRET},
                   format="json").status_code == 200
    response = api.put("/api/v1/account/config?venue=binance",
                       {"access_id": BINANCE_KEY, "secret_key": BINANCE_SECRET}, format="json")
    assert response.status_code == 200 and response.json()["venue"] == "binance"
    binance = api.get("/api/v1/account/config?venue=binance").json()
    assert binance["configured"] and binance["access_id_masked"] == "BNKE****XYZW"
    assert api.get("/api/v1/account/config?venue=binance_usdm").json() == binance  # the spelling
    coinex = api.get("/api/v1/account/config").json()
    assert coinex["venue"] == "coinex" and coinex["access_id_masked"] == "AB12****IJ90"
    assert BINANCE_SECRET not in str(binance) and BINANCE_KEY not in str(binance)
    details = sorted(AuditEntry.objects.filter(action="credentials.store").values_list("detail", flat=True))
    assert details == ["venue binance", "venue coinex"]


def test_clearing_a_venue_removes_only_its_stored_credentials(api, no_env_credentials):
    api.put("/api/v1/account/config", {"access_id": ACCESS_ID, "secret_key": SECRET}, format="json")
    api.put("/api/v1/account/config?venue=binance", {"access_id": BINANCE_KEY, "secret_key": BINANCE_SECRET},
            format="json")
    response = api.delete("/api/v1/account/config?venue=binance")
    assert response.status_code == 200 and response.json()["configured"] is False
    assert api.get("/api/v1/account/config").json()["configured"] is True
    entry = AuditEntry.objects.get(action="credentials.clear")
    assert entry.actor == "api-key:ops" and entry.detail == "venue binance"
    assert api.delete("/api/v1/account/config?venue=binance").status_code == 200  # nothing left: not audited
    assert AuditEntry.objects.filter(action="credentials.clear").count() == 1


@pytest.mark.parametrize("query", ["?venue=kraken", "?venue=", "?venu=binance"])
def test_an_unknown_venue_is_400_and_stores_nothing(api, no_env_credentials, query):
    response = api.put(f"/api/v1/account/config{query}", {"access_id": ACCESS_ID, "secret_key": SECRET},
                       format="json")
    assert response.status_code == 400
    assert api.post(f"/api/v1/account/test{query}").status_code == 400
    assert not AuditEntry.objects.exists()
    assert api.get("/api/v1/account/config").json()["configured"] is False


def test_the_connection_test_reaches_the_chosen_venue(api, no_env_credentials, settings, binance_server):
    binance_server.sandbox.reset(balance=Decimal("2500"))
    settings.BINANCE_FUTURES_BASE_URL = binance_server.base_url
    api.put("/api/v1/account/config?venue=binance", {"access_id": BINANCE_KEY, "secret_key": BINANCE_SECRET},
            format="json")
    result = api.post("/api/v1/account/test?venue=binance").json()
    assert result["status"] == "ok" and "2500" in result["message"]
    assert api.post("/api/v1/account/test").json()["status"] == "not_configured"  # CoinEx has none
    api.put("/api/v1/account/config?venue=binance", {"access_id": BINANCE_KEY, "secret_key": "wrong-secret-000"},
            format="json")
    assert api.post("/api/v1/account/test?venue=binance").json()["status"] == "auth_failed"
