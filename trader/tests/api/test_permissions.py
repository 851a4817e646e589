"""Every endpoint needs a key or a session; a read-only key reads but never writes."""

import pytest

from trader.models import AuditEntry, TraderConfig, TraderStatus
from trader.services.config import config_get
from trader.services.status import status_get
from trader.tests.api.endpoints import READS, WRITES, send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", READS)
def test_every_read_refuses_an_anonymous_caller_with_401(anon, path):
    response = anon.get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "X-API-Key" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_refuses_an_anonymous_caller_and_changes_nothing(anon, method, path, body):
    config_before, status_before = config_get(), status_get()
    response = send(anon, method, path, body)
    assert response.status_code == 401
    assert AuditEntry.objects.count() == 0
    assert TraderConfig.objects.get().max_positions == config_before.max_positions
    assert TraderStatus.objects.get().enabled == status_before.enabled


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_refuses_a_read_only_key_with_403(api_read, method, path, body):
    status_get()
    response = send(api_read, method, path, body)
    assert response.status_code == 403
    assert response.json()["error"] == {
        "status": 403, "code": "permission_denied",
        "message": "this API key is read-only: writes need a key with the full scope", "fields": None,
    }
    assert AuditEntry.objects.count() == 0
    assert config_get().max_positions == 3


@pytest.mark.parametrize("path", ["/api/v1/config", "/api/v1/status", "/api/trader/status", "/api/v1/symbols"])
def test_a_read_only_key_reads(api_read, path):
    assert api_read.get(path).status_code == 200


def test_a_wrong_key_is_401_even_with_a_session(session, anon):
    session.credentials(HTTP_X_API_KEY="ctk_deadbeef_not-a-real-key")
    response = session.get("/api/v1/status")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "invalid or revoked API key"


def test_health_needs_no_credentials(anon, settings):
    settings.HEALTH_CELERY_TIMEOUT_S = 0.5
    response = anon.get("/api/v1/health")
    assert response.status_code in (200, 503)
    body = response.json()
    assert body["healthy"] is (response.status_code == 200)
    assert body["components"]["database"]["status"] == "up"
