from django.conf import settings


def test_settings_load_with_local_defaults():
    assert settings.PORT == 8891
    assert settings.USE_TZ is True and settings.TIME_ZONE == "UTC"
    assert settings.CELERY_TASK_SERIALIZER == "json"
