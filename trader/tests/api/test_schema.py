"""The OpenAPI schema documents every route with its auth schemes, shapes and examples;
Swagger UI is served offline."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db


def _api_routes() -> set[str]:
    from trader.api.urls import trader_urlpatterns, v1_urlpatterns

    def flatten(prefix, patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from flatten(prefix + str(pattern.pattern), pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
                yield "/" + prefix + route

    assert get_resolver()  # the project's URLconf loads
    return set(flatten("api/v1/", v1_urlpatterns)) | set(flatten("api/trader/", trader_urlpatterns))


@pytest.fixture
def schema(anon):
    response = anon.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_every_route_is_in_the_schema(schema):
    assert _api_routes() <= set(schema["paths"])


def test_both_auth_schemes_are_declared_and_required_except_for_health(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {"type": "apiKey", "in": "header", "name": "X-API-Key",
                                     "description": schemes["ApiKeyAuth"]["description"]}
    assert schemes["cookieAuth"]["in"] == "cookie"
    for path, operations in schema["paths"].items():
        if not path.startswith(("/api/v1/", "/api/trader/")):
            continue
        for method, operation in operations.items():
            names = {name for requirement in operation.get("security", []) for name in requirement}
            if path == "/api/v1/health":
                assert names <= {""}, operation.get("security")
            else:
                assert {"ApiKeyAuth", "cookieAuth"} <= names, f"{method} {path}"


def test_every_operation_documents_its_answers_and_examples(schema):
    for path, operations in schema["paths"].items():
        if not path.startswith(("/api/v1/", "/api/trader/")):
            continue
        for method, operation in operations.items():
            answers = operation["responses"]
            success = next(code for code in answers if code.startswith("2"))
            assert "application/json" in answers[success]["content"], f"{method} {path}"
            if path != "/api/v1/health":
                assert "401" in answers, f"{method} {path}"
            if method in ("post", "put", "patch", "delete"):
                assert "403" in answers and "429" in answers, f"{method} {path}"
            assert "examples" in answers[success]["content"]["application/json"], f"{method} {path}: no example"


def test_writes_document_their_request_bodies(schema):
    mode = schema["paths"]["/api/v1/status/mode"]["post"]["requestBody"]["content"]["application/json"]
    assert set(mode["examples"]) and mode["schema"]["$ref"].endswith("ModeSetRequest")
    config = schema["paths"]["/api/v1/config"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert config["$ref"].endswith("PatchedConfigRequest")
    patched = schema["components"]["schemas"]["PatchedConfigRequest"]
    assert patched["additionalProperties"] is False and "required" not in patched


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(anon):
    page = anon.get("/docs").content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
