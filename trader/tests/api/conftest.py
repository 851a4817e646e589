"""API clients for the tests: full key, read-only key, a logged-in session, anonymous."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

from trader.api.keys import api_key_create


@dataclass
class KeyClient:
    client: APIClient
    name: str
    plain_key: str


def _key_client(name: str, *, read_only: bool) -> KeyClient:
    issued = api_key_create(name=name, read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=issued.plain_key)
    return KeyClient(client, name, issued.plain_key)


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    """Each test starts with empty throttle buckets and a rate no test reaches by accident."""
    settings.API_THROTTLE_RATE = "10000/min"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(db) -> APIClient:
    """A client with a full-scope API key named ``ops``."""
    return _key_client("ops", read_only=False).client


@pytest.fixture
def api_read(db) -> APIClient:
    """A client with a read-only API key named ``viewer``."""
    return _key_client("viewer", read_only=True).client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def session_user(db):
    return get_user_model().objects.create_user("dj", password="pw-for-tests-only")


@pytest.fixture
def session(session_user) -> APIClient:
    """A logged-in browser session that enforces CSRF like the real dashboard."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(session_user)
    return client


@pytest.fixture
def open_positions(market, dry_run):
    """Dry-run with a long BTCUSDT and a short ETHUSDT in the paper account the API uses."""
    from trader.cycle.run import cycle_run
    from trader.services.control import exchange_current

    market.scan("BTCUSDT", long=70, price="50000")
    market.scan("ETHUSDT", short=70, price="3000")
    log = cycle_run()
    market.clear_scans()
    assert log.outcome == "ok", log.errors
    assert sorted(p.symbol for p in exchange_current().positions()) == ["BTCUSDT", "ETHUSDT"]
    return market
