"""What every view shares: the actor of a request, parsing the query and the body, paging."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from trader.api.authentication import ApiKeyPrincipal
from trader.models import AuditVia
from trader.services.actor import Actor


def actor_for(request: Request) -> Actor:
    """The audited author of a request: its API key, or its logged-in user."""
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        return Actor.for_api_key(name=user.api_key.name)
    return Actor.for_user(user, via=AuditVia.API)


def validated(serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False) -> dict[str, Any]:
    """``data`` validated by ``serializer_class`` (a 400 naming each bad field otherwise)."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


PAGING_PARAMS = ("page", "page_size")


def query_params(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The validated query parameters (a 400 naming each bad one otherwise), without the
    paging ones (the paginator reads those).

    An unknown or empty parameter is refused too: a misspelt filter must not silently
    answer everything.
    """
    known = set(serializer_class().fields)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise serializers.ValidationError({name: ["unknown query parameter"] for name in unknown})
    empty = sorted(name for name, value in request.query_params.items() if value == "")
    if empty:  # DRF would read an empty value as "not given"
        raise serializers.ValidationError({name: ["must not be empty"] for name in empty})
    data = validated(serializer_class, request.query_params)
    return {name: value for name, value in data.items() if name not in PAGING_PARAMS}


def body(serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False) -> dict[str, Any]:
    """The validated JSON body (a 400 naming each bad field otherwise)."""
    return validated(serializer_class, request.data, partial=partial)


class Pages(PageNumberPagination):
    """``?page=N&page_size=M`` (default 50, at most 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
