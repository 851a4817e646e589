"""ASGI entry point: HTTP to Django, WebSockets to the dashboard consumers.

WebSockets are authenticated by the Django session cookie (AuthMiddlewareStack) and
checked against ALLOWED_HOSTS (origin validation); consumers refuse anonymous users.

The web processes are the ones that pool their PostgreSQL connections (DB_POOL, on by
default here and only here: Celery's prefork children and manage.py connect per task or
per command; see DATABASES in config/settings.py).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DB_POOL", "true")  # before the settings load, which get_asgi_application does
django_asgi_app = get_asgi_application()  # sets Django up before the consumers import models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from dashboard.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
