from django.apps import AppConfig


class TraderConfig(AppConfig):
    name = "trader"
    verbose_name = "Trader"

    def ready(self) -> None:
        from django.conf import settings

        from config.logging import secret_register
        from ta.services.analysis import leverage_config_register

        secret_register(settings.TELEGRAM_BOT_TOKEN)
        # The scanner's suggested leverage follows the trader's own rules and cap.
        leverage_config_register(_leverage_config)


def _leverage_config() -> tuple[dict[str, int], int]:
    from trader.services.config import config_get

    config = config_get()
    return dict(config.leverage_rules), int(config.max_leverage)
