"""Views of the platform itself: the health endpoint and the OpenAPI schema."""

from __future__ import annotations

import threading
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

from config.health import health_report


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 with the report when every critical part is up; 503 naming the failing parts."""
    report = health_report()
    response = JsonResponse(report, status=200 if report["healthy"] else 503)
    # A 503 here is the answer, not a server error: Django would log every poll of a load
    # balancer as an ERROR (and the dashboard would push each one to every open page).
    response._has_been_logged = True
    return response


class CachedSpectacularAPIView(SpectacularAPIView):
    """The OpenAPI schema, generated once per process (per API version and language).

    Generating it walks every view and serializer (about 230 ms); it only changes with
    the code, which a deploy restarts. The public schema does not depend on the caller.
    """

    _schemas: dict[tuple[Any, ...], dict[str, Any]] = {}
    _lock = threading.Lock()

    def _get_schema_response(self, request) -> Response:
        if not self.serve_public:  # filtered by the caller's permissions: not shareable
            return super()._get_schema_response(request)
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (self.urlconf, version, translation.get_language())
        schema = self._schemas.get(key)
        if schema is None:
            with self._lock:  # one generation at a time; the others then find it done
                schema = self._schemas.get(key)
                if schema is None:
                    generator = self.generator_class(urlconf=self.urlconf, api_version=version,
                                                     patterns=self.patterns)
                    schema = self._schemas[key] = generator.get_schema(request=request, public=True)
        return Response(
            data=schema,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )
