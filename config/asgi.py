"""ASGI entry point: HTTP to Django (through its WSGI handler), WebSockets to the dashboard consumers.

HTTP requests run whole on a bounded thread pool (``config.wsgi_http``: every view is
synchronous, and Django's ASGI handler hopped threads per middleware); WebSockets are
authenticated by the Django session cookie (AuthMiddlewareStack) and checked against
ALLOWED_HOSTS (origin validation); consumers refuse anonymous users.

The web processes are the ones that pool their PostgreSQL connections: DB_POOL defaults
to on where PLATFORM_WEB_PROCESS is set, here and only here (Celery's prefork children
and manage.py connect per task or per command; see DATABASES in config/settings.py).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["PLATFORM_WEB_PROCESS"] = "1"  # before the settings load: DB_POOL defaults to on here
django.setup(set_prefix=False)  # before the consumers import models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.wsgi_http import WsgiHttpApp  # noqa: E402
from dashboard.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": WsgiHttpApp(threads=settings.WEB_THREADS),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
