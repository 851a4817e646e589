import logging

from django.apps import AppConfig


class TraderConfig(AppConfig):
    name = "trader"
    verbose_name = "Trader"

    def ready(self) -> None:
        from django.conf import settings

        from config.logging import secret_register
        from ta.services.analysis import leverage_config_register
        from ta.signals import candles_updated

        secret_register(settings.TELEGRAM_BOT_TOKEN)
        # The scanner's suggested leverage follows the trader's own rules and cap.
        leverage_config_register(_leverage_config)
        # Dry-run: the paper exchange's stops, take-profits and limits see every new price,
        # not only the next cycle's (a stop fills near where it was crossed).
        candles_updated.connect(_paper_prices_refresh_after_fetch, dispatch_uid="trader.paper_prices_refresh")


def _leverage_config() -> tuple[dict[str, int], int]:
    from trader.services.config import config_get

    config = config_get()
    return dict(config.leverage_rules), int(config.max_leverage)


def _paper_prices_refresh_after_fetch(sender, timeframes=(), **kwargs) -> None:
    """Queue the refresh (the task itself does nothing unless the mode is dry-run)."""
    if "5m" not in timeframes:
        return
    from trader.tasks import paper_prices_refresh

    try:
        paper_prices_refresh.delay()
    except Exception as error:  # noqa: BLE001 - broker down: the next cycle feeds the prices anyway
        logging.getLogger(__name__).debug("paper price refresh not queued: %s", error)
