from django.apps import AppConfig


class TaConfig(AppConfig):
    name = "ta"
    verbose_name = "Market data and TA"

    def ready(self) -> None:
        from config.health import health_timestamp_register
        from ta.selectors import market_data_last_fetch_at

        health_timestamp_register("last_market_fetch", market_data_last_fetch_at)
