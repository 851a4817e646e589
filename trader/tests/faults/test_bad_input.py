"""Bad input gets a 4xx, never a 500 and never an action (issue 16 item 7).

Every write endpoint is sent what a fuzzer, a confused script or an attacker would send:
a 20 MB body, JSON nested 100,000 deep, binary garbage, a JSON value that is not ``{}``
on an endpoint that takes no body, unknown fields, look-alike digits. Each answer is a
400, 413 or 415 in the API's error shape, small, and afterwards the user sees nothing
changed: the positions are still open, the mode, switch, lock and config are as before,
and no audit row was written. The WebSocket side of the item is the dashboard's.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from trader.models import AuditEntry
from trader.tests.api.conftest import _key_client
from trader.tests.api.endpoints import WRITES

pytestmark = pytest.mark.django_db

# Endpoints whose action takes no parameters: only no body, whitespace or {} may reach them.
NO_BODY_ACTIONS = [
    ("post", "/api/v1/status/enable"), ("post", "/api/v1/status/disable"), ("delete", "/api/v1/status/lockfile"),
    ("post", "/api/v1/config/reset"), ("post", "/api/v1/account/test"),
    ("post", "/api/v1/positions/BTCUSDT/close"), ("post", "/api/v1/positions/close-all"),
    ("post", "/api/v1/emergency-stop"), ("post", "/api/trader/close-all"),
]
GARBAGE = [  # (body bytes, content type)
    (b"\x00\xff\xfe garbage \x89PNG", "application/octet-stream"),
    (b"close everything", "text/plain"),
    (b"action=emergency-stop", "application/x-www-form-urlencoded"),
    (b"{", "application/json"),
    (b"[1, 2]", "application/json"),
    (b"null", "application/json"),
    (b'"{}"', "application/json"),
    (b'{"force": true}', "application/json"),
    (b'{"confirm": "yes"}', "application/json; charset=utf-8"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json"),
]
TWENTY_MB = 20 * 1024 * 1024
DEEP = 100_000
SMALL_ERROR_BYTES = 8 * 1024  # an error body stays small whatever was sent (10 fields x 3 messages at most)
ECHO_ERROR_BYTES = 1024  # one bad value: its message is cut, not echoed


@pytest.fixture
def api(db, settings):
    settings.API_THROTTLE_RATE = "10000/min"
    cache.clear()
    return _key_client("ops", read_only=False).client


@pytest.fixture
def open_positions(api, market, dry_run):
    """Dry-run, enabled, with a long BTCUSDT and a short ETHUSDT open on the paper exchange."""
    from trader.cycle.run import cycle_run

    market.scan("BTCUSDT", long=70, price="50000")
    market.scan("ETHUSDT", short=70, price="3000")
    assert cycle_run().outcome == "ok"
    market.clear_scans()
    assert _positions(api) == ["BTCUSDT", "ETHUSDT"]
    AuditEntry.objects.all().delete()
    return market


def _positions(api) -> list[str]:
    return sorted(p["symbol"] for p in api.get("/api/v1/positions").json())


def _state(api) -> dict:
    """What a user sees: positions, mode, switch, lock, config, and the audit log."""
    status = api.get("/api/v1/status").json()
    return {"positions": _positions(api), "mode": status["mode"], "enabled": status["enabled"],
            "lock": status["lock"]["kind"], "config": api.get("/api/v1/config").json(),
            "audit_rows": AuditEntry.objects.count()}


def _assert_small_error(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert len(response.content) < SMALL_ERROR_BYTES, len(response.content)
    error = response.json()["error"]
    assert error["status"] == response.status_code and error["message"]
    return error


def test_garbage_on_endpoints_that_take_no_body_is_refused_and_nothing_happens(api, open_positions):
    before = _state(api)
    answers = []
    for method, path in NO_BODY_ACTIONS:
        for payload, content_type in GARBAGE:
            response = getattr(api, method)(path, payload, content_type=content_type)
            _assert_small_error(response, 400, 415)
            answers.append(response.status_code)
    assert len(answers) == len(NO_BODY_ACTIONS) * len(GARBAGE) == 90
    assert _state(api) == before  # 0 of 90 acted: positions open, mode, switch, lock and config unchanged


@pytest.mark.parametrize("payload", [None, b"", b"{}", b"  \n"])
def test_no_body_or_an_empty_object_still_works(api, open_positions, payload):
    if payload is None:  # as curl -X POST sends it: no body, no content type
        response = api.generic("POST", "/api/v1/emergency-stop")
    else:
        response = api.post("/api/v1/emergency-stop", payload, content_type="application/json")
    assert response.status_code == 200, response.content
    assert _positions(api) == []


def test_a_20_mb_body_is_413_in_the_error_shape_on_every_write_endpoint(api, open_positions):
    before = _state(api)
    padding = "x" * TWENTY_MB
    for method, path, body in WRITES:
        payload = json.dumps({**(body or {}), "padding": padding})
        error = _assert_small_error(getattr(api, method)(path, payload, content_type="application/json"), 413)
        assert error["code"] == "payload_too_large"
    assert _state(api) == before


def test_an_emergency_stop_padded_to_20_mb_does_not_stop(api, open_positions):
    payload = json.dumps({"action": "emergency-stop", "padding": "x" * TWENTY_MB})
    _assert_small_error(api.post("/api/trader/control", payload, content_type="application/json"), 413)
    assert _positions(api) == ["BTCUSDT", "ETHUSDT"]


def test_an_oversized_form_post_to_a_page_is_413_too(client):
    response = client.post("/login/", "username=" + "x" * TWENTY_MB,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and len(response.content) < SMALL_ERROR_BYTES


def test_json_nested_100000_deep_is_400_on_every_write_endpoint(api, open_positions):
    before = _state(api)
    deep = "[" * DEEP + "]" * DEEP
    for method, path, _body in WRITES:
        payload = '{"action": "emergency-stop", "mode": "live", "x": ' + deep + "}"
        _assert_small_error(getattr(api, method)(path, payload, content_type="application/json"), 400)
    assert _state(api) == before


def test_unknown_fields_on_the_control_route_are_refused(api, open_positions):
    response = api.post("/api/trader/control", {"action": "stop", "force": True}, format="json")
    error = _assert_small_error(response, 400)
    assert error["fields"] == {"force": ["unknown field"]}
    assert api.get("/api/v1/status").json()["enabled"] is True


@pytest.mark.parametrize("key", ["\u0666\u0660+", "\uff16\uff10+", "60+\n", " 60+", "60"])
def test_leverage_rule_keys_take_ascii_digits_only(api, key):
    before = api.get("/api/v1/config").json()["leverage_rules"]
    response = api.patch("/api/v1/config", {"leverage_rules": {key: 7, "default": 5}}, format="json")
    assert "leverage_rules" in _assert_small_error(response, 400)["fields"]
    assert api.get("/api/v1/config").json()["leverage_rules"] == before


@pytest.mark.parametrize(("path", "payload"), [
    ("/api/trader/control", {"action": "x" * 1_000_000}),
    ("/api/trader/control", {"action": "stop", **{f"unknown_{i}_" + "k" * 500: 1 for i in range(5000)}}),
    ("/api/trader/close-position", {"symbol": "B" * 1_000_000}),
    ("/api/v1/status/mode", {"mode": "x" * 1_000_000}),
])
def test_an_error_never_echoes_a_large_value_back(api, path, payload):
    response = api.post(path, payload, format="json")
    error = _assert_small_error(response, 400)
    assert len(response.content) < ECHO_ERROR_BYTES or len(error["fields"]) <= 11
    assert not AuditEntry.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_through_uvicorn_a_chunked_garbage_body_and_a_20_mb_body_act_on_nothing(asgi_server):
    """As production serves it: a body sent in chunks without a Content-Length (which DRF alone
    reads as empty) still reaches the no-body check, and the size cap counts what arrived."""
    import httpx

    from trader.api.keys import api_key_create

    headers = {"X-API-Key": api_key_create(name="faults", read_only=False).plain_key}
    url = f"{asgi_server.base_url}/api"

    def chunks(*parts: bytes):
        yield from parts

    with httpx.Client(timeout=30, headers=headers) as client:
        assert client.get(f"{url}/v1/status").json()["enabled"] is True
        garbage = client.post(f"{url}/v1/status/disable", content=chunks(b'{"force":', b" true}"),
                              headers={"Content-Type": "application/json"})
        assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "invalid"
        binary = client.post(f"{url}/v1/status/disable", content=chunks(b"\x00\xff", b"\x89PNG"),
                             headers={"Content-Type": "application/octet-stream"})
        assert binary.status_code == 415
        big = client.post(f"{url}/trader/control", content=chunks(*[b"x" * (1024 * 1024)] * 20),
                          headers={"Content-Type": "application/json"})
        assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"
        deep = client.post(f"{url}/trader/control", content="[" * DEEP + "]" * DEEP,
                           headers={"Content-Type": "application/json"})
        assert deep.status_code == 400
        assert client.get(f"{url}/v1/status").json()["enabled"] is True
        assert client.post(f"{url}/v1/status/disable").json()["enabled"] is False  # no body: it acts
