from django.apps import AppConfig


class TaConfig(AppConfig):
    name = "ta"
    verbose_name = "Market data and TA"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from config.health import health_section_register, health_timestamp_register
        from ta.analysis_selectors import ta_scan_last_at
        from ta.db_views import view_create_after_migrate, view_drop_before_migrate
        from ta.selectors import derivatives_freshness, market_data_last_fetch_at
        from ta.signals import candles_updated
        from ta.tasks.analysis import analysis_chain_after_fetch
        from ta.tasks.structure import structure_chain_after_fetch

        health_timestamp_register("last_market_fetch", market_data_last_fetch_at)
        health_timestamp_register("last_ta_scan", ta_scan_last_at)
        health_section_register("derivatives", derivatives_freshness)
        candles_updated.connect(analysis_chain_after_fetch, dispatch_uid="ta.analysis_chain_after_fetch")
        candles_updated.connect(structure_chain_after_fetch, dispatch_uid="ta.structure_chain_after_fetch")
        pre_migrate.connect(view_drop_before_migrate, sender=self, dispatch_uid="ta.view_drop_before_migrate")
        post_migrate.connect(view_create_after_migrate, sender=self, dispatch_uid="ta.view_create_after_migrate")
