"""Server-rendered pages and the Channels consumers that push live updates to them."""
from django.apps import AppConfig
from django.db.models.signals import post_save


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from dashboard.error_log import error_log_install
        from dashboard.live import live_install
        from dashboard.receivers import candles_changed, scan_result_saved
        from ta.models import ScanResult
        from ta.signals import candles_updated

        post_save.connect(scan_result_saved, sender=ScanResult, dispatch_uid="dashboard.signal_history")
        candles_updated.connect(candles_changed, dispatch_uid="dashboard.live_prices")
        error_log_install()
        live_install()
