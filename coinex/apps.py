from django.apps import AppConfig


class CoinexConfig(AppConfig):
    name = "coinex"
    verbose_name = "CoinEx"

    def ready(self) -> None:
        from coinex import checks  # noqa: F401  (registers the system checks)
