"""The admin: config edits are validated and audited as 'admin'; status is read-only."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from trader.models import AuditEntry
from trader.services.config import config_as_dict, config_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    user = get_user_model().objects.create_superuser("boss", password="x-unused-in-test")
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides):
    data = {k: v for k, v in config_as_dict(config_get()).items()}
    data["leverage_rules"] = '{"60+": 7, "default": 5}'
    data["coin_whitelist"] = "[]"
    data["coin_blacklist"] = "[]"
    data["strategies"] = '["scanner"]'
    data.update(overrides)
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}


def test_the_config_list_opens_the_single_row(admin_client):
    response = admin_client.get("/admin/trader/traderconfig/")
    assert response.status_code == 302 and response["Location"].endswith("/admin/trader/traderconfig/1/change/")


def test_an_admin_edit_is_saved_and_audited_via_admin(admin_client):
    response = admin_client.post("/admin/trader/traderconfig/1/change/", _form(max_positions=4))
    assert response.status_code == 302
    assert config_get().max_positions == 4
    entry = AuditEntry.objects.get(field="max_positions")
    assert (entry.actor, entry.via, entry.old_value, entry.new_value) == ("boss", "admin", 3, 4)


def test_an_out_of_range_admin_edit_is_refused_with_the_field_error(admin_client):
    response = admin_client.post("/admin/trader/traderconfig/1/change/", _form(max_leverage=500))
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 125" in response.content.decode()
    assert config_get().max_leverage == 10
    assert not AuditEntry.objects.exists()


def test_the_status_is_read_only_in_the_admin(admin_client):
    from trader.services.status import status_get

    status_get()
    response = admin_client.post("/admin/trader/traderstatus/1/change/", {"mode": "live"})
    assert response.status_code == 403
    assert status_get().mode == "paused"


@pytest.mark.parametrize("model", ["trade", "decision", "cyclelog", "orderintent", "backtestrun", "backteststudy"])
def test_the_records_are_listed_read_only_in_the_admin(admin_client, model):
    response = admin_client.get(f"/admin/trader/{model}/")
    assert response.status_code == 200
    assert admin_client.get(f"/admin/trader/{model}/add/").status_code == 403
