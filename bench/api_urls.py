"""The platform's URLs plus ``/bench/floor``: a plain Django view doing one query.

Loaded only by ``bench/api_load.py`` (through ``bench.api_settings``): the floor is what
one request costs on this machine with this server and database, without DRF,
authentication or the API's own work, so the API's figures can be read against it.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as platform_urlpatterns


def floor(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (value,) = cursor.fetchone()
    return JsonResponse({"ok": value == 1})


urlpatterns = [path("bench/floor", floor), *platform_urlpatterns]
