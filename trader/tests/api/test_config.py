"""GET/PATCH /config, POST /config/reset, GET /config/history."""

import pytest

from trader.models import AuditEntry, TraderConfig
from trader.services.config import config_get

pytestmark = pytest.mark.django_db


def test_get_answers_every_field_with_the_defaults(api):
    body = api.get("/api/v1/config").json()
    assert set(body) == set(TraderConfig.editable_field_names())
    assert (body["tp_pct"], body["sl_pct"], body["max_positions"]) == (5.0, 3.0, 3)
    assert body["leverage_rules"] == {"60+": 7, "default": 5}


def test_patch_changes_only_the_given_fields_and_audits_each(api):
    response = api.patch("/api/v1/config", {"tp_pct": 4.5, "coin_blacklist": ["DOGEUSDT"]}, format="json")
    assert response.status_code == 200
    assert (response.json()["tp_pct"], response.json()["coin_blacklist"], response.json()["sl_pct"]) == (
        4.5, ["DOGEUSDT"], 3.0)
    config = config_get()
    assert (str(config.tp_pct), config.coin_blacklist) == ("4.50", ["DOGEUSDT"])
    audited = {e.field: (e.old_value, e.new_value, e.actor) for e in AuditEntry.objects.filter(action="config.update")}
    assert audited == {"tp_pct": ("5", "4.5", "api-key:ops"), "coin_blacklist": ([], ["DOGEUSDT"], "api-key:ops")}


@pytest.mark.parametrize(("body", "field"), [
    ({"tp_pct": 5000}, "tp_pct"),
    ({"max_positions": 0}, "max_positions"),
    ({"max_positions": "3"}, "max_positions"),
    ({"trailing_stop": 1}, "trailing_stop"),
    ({"leverage_rules": {"60+": 7}}, "leverage_rules"),
    ({"coin_whitelist": ["btc"]}, "coin_whitelist"),
    ({"kill_switch_reference": "yesterday"}, "kill_switch_reference"),
    ({"tp_pctt": 4}, "tp_pctt"),
])
def test_an_invalid_field_is_400_naming_it_and_nothing_changes(api, body, field):
    response = api.patch("/api/v1/config", {"sl_pct": 2.0, **body}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert config_get().sl_pct == 3 and not AuditEntry.objects.exists()


def test_a_rule_across_fields_is_400_too(api):
    response = api.patch("/api/v1/config", {"coin_whitelist": ["BTCUSDT"], "coin_blacklist": ["BTCUSDT"]},
                         format="json")
    assert response.status_code == 400
    assert "also whitelisted" in response.json()["error"]["fields"]["coin_blacklist"][0]


@pytest.mark.parametrize("raw", ["[1, 2]", "not json", '"tp_pct"'])
def test_a_body_that_is_not_an_object_is_400(api, raw):
    response = api.generic("PATCH", "/api/v1/config", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


def test_reset_restores_the_defaults_and_is_audited(api):
    api.patch("/api/v1/config", {"max_positions": 7, "tp_pct": 9}, format="json")
    response = api.post("/api/v1/config/reset")
    assert response.status_code == 200
    assert (response.json()["max_positions"], response.json()["tp_pct"]) == (3, 5.0)
    assert AuditEntry.objects.filter(action="config.update", field="max_positions").count() == 2


def test_history_lists_changes_newest_first_with_a_limit(api):
    api.patch("/api/v1/config", {"max_positions": 4}, format="json")
    api.patch("/api/v1/config", {"max_positions": 5}, format="json")
    history = api.get("/api/v1/config/history", {"limit": 1}).json()
    assert [(e["field"], e["old_value"], e["new_value"], e["actor"]) for e in history] == [
        ("max_positions", 4, 5, "api-key:ops")]
    assert api.get("/api/v1/config/history", {"limit": 0}).status_code == 400
    assert api.get("/api/v1/config/history", {"limt": 5}).status_code == 400


def test_a_session_needs_the_csrf_token_to_write(session):
    refused = session.patch("/api/v1/config", {"max_positions": 2}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    assert config_get().max_positions == 3
    session.get("/api/v1/config")  # a read needs no token
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    session.cookies["csrftoken"] = secret
    allowed = session.patch("/api/v1/config", {"max_positions": 2}, format="json",
                            HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret))
    assert allowed.status_code == 200
    assert AuditEntry.objects.get(field="max_positions").actor == "dj"


def test_more_decimals_than_stored_are_refused_not_rounded(api):
    response = api.patch("/api/v1/config", {"tp_pct": 4.126}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["tp_pct"] == ["Ensure that there are no more than 2 decimal places."]
    assert config_get().tp_pct == 5


def test_the_venue_is_a_config_field_changed_only_while_paused(api, dry_run):
    assert api.get("/api/v1/config").json()["venue"] == "coinex"
    answer = api.patch("/api/v1/config", {"venue": "kraken"}, format="json")
    assert answer.status_code == 400 and "venue" in answer.json()["error"]["fields"]
    answer = api.patch("/api/v1/config", {"venue": "binance"}, format="json")
    assert answer.status_code == 400 and "only be changed while paused" in answer.json()["error"]["fields"]["venue"][0]
    assert config_get().venue == "coinex"
    api.post("/api/v1/status/mode", {"mode": "paused"}, format="json")
    assert api.patch("/api/v1/config", {"venue": "binance"}, format="json").status_code == 200
    assert AuditEntry.objects.get(action="config.update", field="venue").new_value == "binance"
    answer = api.post("/api/v1/status/mode", {"mode": "dry-run"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert api.get("/api/v1/status").json()["venue"] == "binance"
