from django.apps import AppConfig


class TraderConfig(AppConfig):
    name = "trader"
    verbose_name = "Trader"
