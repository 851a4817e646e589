"""``X-API-Key`` authentication, and its OpenAPI security scheme.

A request that carries the header is judged by the key alone: a wrong, malformed or
revoked key is a 401 even when a session cookie is present too. Without the header,
the next class (the session, with CSRF on unsafe methods) gets its turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from trader.api.keys import api_key_authenticate
from trader.models import ApiKey
from trader.services.actor import API_KEY_LABEL_PREFIX

API_KEY_HEADER = "X-API-Key"
API_KEY_META = "HTTP_X_API_KEY"


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """``request.user`` for a key: authenticated, named after the key, never staff."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None

    def get_username(self) -> str:
        return f"{API_KEY_LABEL_PREFIX}{self.api_key.name}"

    def __str__(self) -> str:
        return self.get_username()


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate by the ``X-API-Key`` header; ``request.auth`` is the ``ApiKey`` row."""

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        plain_key = request.META.get(API_KEY_META)
        if plain_key is None:
            return None
        api_key = api_key_authenticate(plain_key=plain_key.strip())
        if api_key is None:
            raise AuthenticationFailed("invalid or revoked API key")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when no credentials were given.
        return f'ApiKey header="{API_KEY_HEADER}"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the key as an OpenAPI ``apiKey`` scheme in the ``X-API-Key`` header."""

    target_class = "trader.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": API_KEY_HEADER,
            "description": "An API key from the admin or `manage.py create_api_key NAME [--read-only]`.",
        }
