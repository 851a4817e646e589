from django.apps import AppConfig


class TaConfig(AppConfig):
    name = "ta"
    verbose_name = "Market data and TA"
