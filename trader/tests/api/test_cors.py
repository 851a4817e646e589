"""CORS for the API (seed trading-support "CORS enabled"): origins allowed only by the setting
``CORS_ALLOWED_ORIGINS`` (env var of the same name), none by default; the pages never answer it."""

from __future__ import annotations

import pytest

from config.tests.test_settings import _manage

pytestmark = pytest.mark.django_db

ALLOWED = "https://tools.example.com"
PREFLIGHT = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET", "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-api-key"}


@pytest.fixture
def tools_allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def _preflight(client, path: str, origin: str):
    return client.options(path, HTTP_ORIGIN=origin, **PREFLIGHT)


def test_a_preflight_from_an_allowed_origin_gets_the_cors_headers(anon, tools_allowed):
    response = _preflight(anon, "/api/v1/signals", ALLOWED)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "x-api-key" in response["Access-Control-Allow-Headers"]
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response, "cross-site callers use their key, not cookies"


def test_the_answer_to_an_allowed_origin_carries_the_header_for_the_browser(api, tools_allowed):
    response = api.get("/api/v1/signals", HTTP_ORIGIN=ALLOWED)
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Expose-Headers"] == "Retry-After", "a throttled caller can read when to retry"


def test_another_origin_gets_no_cors_headers(anon, tools_allowed):
    response = _preflight(anon, "/api/v1/signals", "https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in anon.get("/api/v1/signals", HTTP_ORIGIN="https://evil.example.com")


def test_the_pages_are_not_opened_to_an_allowed_origin(client, tools_allowed):
    assert "Access-Control-Allow-Origin" not in _preflight(client, "/signals", ALLOWED)


def test_no_origin_is_allowed_by_default(anon):
    response = _preflight(anon, "/api/v1/signals", ALLOWED)
    assert "Access-Control-Allow-Origin" not in response


def test_the_origins_come_from_the_environment_and_a_malformed_one_fails_the_checks():
    show = ("shell", "-c", "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS)")
    unset = _manage(*show, CORS_ALLOWED_ORIGINS="")
    assert unset.stdout.strip().splitlines()[-1] == "[]", unset.stderr
    two = _manage(*show, CORS_ALLOWED_ORIGINS=f"{ALLOWED}, http://localhost:3000")
    assert two.stdout.strip().splitlines()[-1] == f"['{ALLOWED}', 'http://localhost:3000']", two.stderr
    bad = _manage("check", CORS_ALLOWED_ORIGINS="tools.example.com")
    assert bad.returncode != 0 and "corsheaders.E013" in bad.stderr
