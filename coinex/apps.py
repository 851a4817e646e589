from django.apps import AppConfig


class CoinexConfig(AppConfig):
    name = "coinex"
    verbose_name = "CoinEx"
