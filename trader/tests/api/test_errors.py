"""One error shape for every failure: 404, 405, 429 with Retry-After, 503 when the exchange is down."""

from decimal import Decimal as D

import pytest

from coinex.sandbox import SandboxExchange, SandboxServer
from config.testing import closed_port
from trader.services.status import trader_mode_set

pytestmark = pytest.mark.django_db

ACCESS_ID = "APITESTACCESSID0123456789ABCD"
SECRET_KEY = "api-test-sandbox-secret-0123456789abcdef"


def test_an_unknown_api_path_is_a_json_404(api, anon):
    for client in (api, anon):
        response = client.get("/api/v1/no-such-thing")
        assert response.status_code == 404
        assert response.json()["error"] == {"status": 404, "code": "not_found", "fields": None,
                                            "message": "no such API endpoint: /api/v1/no-such-thing"}
    for path in ("/api/v1/backtests/studies/a%0Ab", "/api/v1/backtests/x%0A/cancel", "/api/v1/%0A"):
        response = api.post(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path


def test_a_wrong_method_is_a_json_405(api):
    response = api.delete("/api/v1/config")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_key_over_its_rate_is_throttled_with_retry_after(api, api_read, settings):
    settings.API_THROTTLE_RATE = "3/min"
    statuses = [api.get("/api/v1/status").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = api.get("/api/v1/status")
    assert throttled.json()["error"]["code"] == "throttled"
    assert 0 < int(throttled.headers["Retry-After"]) <= 60
    assert api_read.get("/api/v1/status").status_code == 200  # another key has its own budget


def test_throttling_can_be_turned_off(api, settings):
    settings.API_THROTTLE_RATE = ""
    assert {api.get("/api/v1/symbols").status_code for _ in range(5)} == {200}


@pytest.fixture
def live_sandbox(settings, operator):
    """Live mode on the loopback CoinEx sandbox (never a real exchange)."""
    server = SandboxServer(exchange=SandboxExchange(access_id=ACCESS_ID, secret_key=SECRET_KEY))
    server.start()
    server.exchange.reset(balance=D("1000"))
    settings.COINEX_BASE_URL = server.base_url
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = ACCESS_ID, SECRET_KEY
    trader_mode_set(mode="live", actor=operator, confirm_live=True)
    yield server
    server.stop()


def test_an_unreachable_exchange_is_503_with_retry_after(api, live_sandbox, settings):
    assert D(api.get("/api/v1/account").json()["equity"]) == D("1000")
    settings.COINEX_BASE_URL = f"http://127.0.0.1:{closed_port()}"  # nothing answers there
    for path in ("/api/v1/account", "/api/v1/positions"):
        response = api.get(path)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "exchange_unavailable"
        assert response.headers["Retry-After"] == "30"
    overview = api.get("/api/trader/status").json()
    assert overview["exchange"]["available"] is False and overview["status"]["mode"] == "live"


def test_wrong_exchange_credentials_are_409_not_a_crash(api, live_sandbox, settings):
    settings.COINEX_SECRET_KEY = "not-the-secret-the-sandbox-knows-000000"
    response = api.get("/api/v1/positions")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "exchange_auth"
    assert "not-the-secret" not in response.content.decode()
