"""The project itself as a Django app: system checks, health and platform-wide commands."""

from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "config"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.conf import settings

        from config import checks  # noqa: F401  (registers the system checks)
        from config.logging import secret_register

        secret_register(settings.SECRET_KEY)
