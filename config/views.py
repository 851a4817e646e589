"""Views of the platform itself: the health endpoint."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.health import health_report


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 with the report when every critical part is up; 503 naming the failing parts."""
    report = health_report()
    return JsonResponse(report, status=200 if report["healthy"] else 503)
