"""Refuse an oversized request body with 413 before any view runs (API, pages and admin alike).

Django itself refuses a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only when the body is read,
with ``RequestDataTooBig``, which reached the API as a 500 (and a page as a 400). Here every
body is measured first (its Content-Length, or under ASGI the size actually received, so a
chunked body without a length is measured too) and a 413 answers at once: under ``/api/`` in
the API's error shape, elsewhere as plain text. Multipart uploads are left to Django (their
file parts do not count against the limit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.logging import Category
from trader.api.errors import error_body

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def too_large_response(request: HttpRequest) -> HttpResponse:
    """The 413 answer: the API's error shape under /api/, plain text elsewhere."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"request body too large: at most {limit} bytes"
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body(status_code=413, code="payload_too_large", message=message), status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class BodySizeLimitMiddleware:
    """413 for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, before the view is called."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and not request.content_type.startswith("multipart/"):
            try:
                request.body  # noqa: B018 - measures (and keeps) the body; raises when it is too big
            except RequestDataTooBig:
                logger.warning("refused a %s body over %s bytes on %s", request.method,
                               settings.DATA_UPLOAD_MAX_MEMORY_SIZE, request.path, extra={"category": Category.API})
                return too_large_response(request)
        return self.get_response(request)
