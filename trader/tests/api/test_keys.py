"""API keys: stored as a hash, shown once (command, admin), revocable, last use recorded."""

import hashlib
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from trader.api.keys import api_key_authenticate, api_key_create, api_key_revoke
from trader.models import ApiKey, AuditEntry

pytestmark = pytest.mark.django_db


def _client(plain_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=plain_key)
    return client


def test_only_a_hash_and_a_short_prefix_are_stored():
    issued = api_key_create(name="grafana", read_only=True)
    row = ApiKey.objects.get(name="grafana")
    assert issued.plain_key.startswith(f"ctk_{row.prefix}_") and len(issued.plain_key) > 40
    assert row.key_hash == hashlib.sha256(issued.plain_key.encode()).hexdigest()
    # The secret is everything after the prefix: it may itself contain "_" (URL-safe base64), so
    # splitting on the last one left a fragment of a character or two that the name could hold.
    secret_part = issued.plain_key.removeprefix(f"ctk_{row.prefix}_")
    assert len(secret_part) > 30
    assert all(secret_part not in str(value) for value in ApiKey.objects.values().get().values())


def test_a_key_authenticates_and_its_use_is_recorded():
    issued = api_key_create(name="bot", read_only=False)
    assert ApiKey.objects.get().last_used_at is None
    assert _client(issued.plain_key).get("/api/v1/status").status_code == 200
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.parametrize("mangle", [lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), lambda k: k.upper(),
                                    lambda k: "ctk_", lambda k: ""])
def test_a_near_miss_is_refused(mangle):
    issued = api_key_create(name="bot", read_only=False)
    assert api_key_authenticate(plain_key=mangle(issued.plain_key)) is None
    assert _client(mangle(issued.plain_key)).get("/api/v1/status").status_code == 401


def test_a_revoked_key_is_refused_at_once():
    issued = api_key_create(name="old-laptop", read_only=False)
    client = _client(issued.plain_key)
    assert client.get("/api/v1/status").status_code == 200
    assert api_key_revoke(name="old-laptop") is True
    response = client.get("/api/v1/status")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "invalid or revoked API key"


def test_names_are_unique():
    api_key_create(name="ops", read_only=False)
    with pytest.raises(ValueError, match="already exists"):
        api_key_create(name="ops", read_only=True)
    with pytest.raises(ValueError, match="needs a name"):
        api_key_create(name="  ", read_only=True)


def test_the_command_prints_the_key_once_and_it_works():
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "dashboard-kiosk", "--read-only", stdout=out, stderr=err)
    plain_key = out.getvalue().strip()
    assert "shown only once" in err.getvalue() and plain_key not in err.getvalue()
    client = _client(plain_key)
    assert client.get("/api/v1/config").status_code == 200
    assert client.patch("/api/v1/config", {"max_positions": 2}, format="json").status_code == 403
    entry = AuditEntry.objects.get(action="api_key.create")
    assert (entry.actor, entry.new_value) == ("command:create_api_key", "dashboard-kiosk")
    assert plain_key.rsplit("_", 1)[1] not in f"{entry.detail} {entry.new_value}"
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_api_key", "dashboard-kiosk", stdout=StringIO(), stderr=StringIO())


def test_the_admin_shows_a_new_key_once(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-for-tests-only")
    client.force_login(admin)
    response = client.post("/admin/trader/apikey/add/", {"name": "ci", "scope": "full"}, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    plain_key = next(word for m in messages for word in m.split() if word.startswith("ctk_") and len(word) > 40)
    assert sum(plain_key in m for m in messages) == 1
    row = ApiKey.objects.get(name="ci")
    assert row.key_hash == hashlib.sha256(plain_key.encode()).hexdigest() and row.scope == "full"
    page = client.get(f"/admin/trader/apikey/{row.pk}/change/").content.decode()
    assert plain_key not in page and f"ctk_{row.prefix}_" in page
    assert _client(plain_key).post("/api/v1/status/disable").status_code == 200
    assert AuditEntry.objects.get(action="api_key.create").actor == "root"
    client.post("/admin/trader/apikey/", {"action": "revoke", "_selected_action": [row.pk]})
    assert ApiKey.objects.get(pk=row.pk).revoked is True
    assert AuditEntry.objects.get(action="api_key.revoke").actor == "root"
    assert _client(plain_key).get("/api/v1/status").status_code == 401
