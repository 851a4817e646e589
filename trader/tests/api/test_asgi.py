"""The API through the real ASGI server (uvicorn), as production serves it."""

import httpx
import pytest

from trader.api.keys import api_key_create
from trader.models import AuditEntry

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_keys_errors_and_writes_through_uvicorn(asgi_server):
    full = api_key_create(name="asgi-full", read_only=False).plain_key
    read_only = api_key_create(name="asgi-read", read_only=True).plain_key
    url = f"{asgi_server.base_url}/api/v1"
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{url}/status").status_code == 401
        assert client.get(f"{url}/status", headers={"X-API-Key": read_only}).json()["mode"] == "paused"
        refused = client.patch(f"{url}/config", json={"max_positions": 2}, headers={"X-API-Key": read_only})
        assert refused.status_code == 403
        changed = client.patch(f"{url}/config", json={"max_positions": 2}, headers={"X-API-Key": full})
        assert changed.status_code == 200 and changed.json()["max_positions"] == 2
        invalid = client.patch(f"{url}/config", json={"max_positions": 0}, headers={"X-API-Key": full})
        assert invalid.status_code == 400 and "max_positions" in invalid.json()["error"]["fields"]
    assert AuditEntry.objects.get(field="max_positions").actor == "api-key:asgi-full"
