"""The admin, the API schema and Swagger UI, served offline, through the real ASGI server."""

import re

import httpx
import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_admin_login_page_renders(asgi_server):
    response = httpx.get(f"{asgi_server.base_url}/admin/login/", timeout=10)
    assert response.status_code == 200
    assert 'name="username"' in response.text and 'name="password"' in response.text


def test_admin_requires_login(asgi_server):
    response = httpx.get(f"{asgi_server.base_url}/admin/", timeout=10)
    assert response.status_code == 302 and "/admin/login/" in response.headers["location"]


def test_api_schema_loads_and_validates(asgi_server):
    response = httpx.get(f"{asgi_server.base_url}/api/schema/", params={"format": "json"}, timeout=20)
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid OpenAPI document


def test_swagger_ui_loads_with_every_asset_served_locally(asgi_server):
    response = httpx.get(f"{asgi_server.base_url}/docs", timeout=10)
    assert response.status_code == 200
    html = response.text
    assert "swagger-ui" in html.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads its scripts and styles"
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), f"external asset {asset}"
        if asset.startswith("/static/"):
            assert httpx.get(f"{asgi_server.base_url}{asset}", timeout=10).status_code == 200, asset
    assert "cdn" not in html.lower()


def test_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
