"""URL routes. Apps own their routes; this file only mounts them."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.permissions import AllowAny, IsAuthenticated

from config.views import CachedSpectacularAPIView, health
from trader.api.urls import not_found_urlpatterns as api_not_found_urlpatterns
from trader.api.urls import trader_urlpatterns, v1_urlpatterns

docs_permission = [AllowAny] if settings.API_DOCS_PUBLIC else [IsAuthenticated]

urlpatterns = [
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(v1_urlpatterns)),
    path("api/trader/", include(trader_urlpatterns)),
    path("api/schema/", CachedSpectacularAPIView.as_view(permission_classes=docs_permission), name="api-schema"),
    path(
        "docs",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=docs_permission),
        name="api-docs",
    ),
    path("", include("dashboard.urls")),
    path("api/", include(api_not_found_urlpatterns)),  # last: a JSON 404 for any other API path
]
