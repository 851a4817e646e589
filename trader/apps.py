from django.apps import AppConfig


class TraderConfig(AppConfig):
    name = "trader"
    verbose_name = "Trader"

    def ready(self) -> None:
        from django.conf import settings

        from config.logging import secret_register

        secret_register(settings.TELEGRAM_BOT_TOKEN)
