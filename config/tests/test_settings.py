"""Settings come from the environment; bad values are one clear line, not a stack trace."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from config import checks
from config.testing import PROJECT_DIR


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "APP_ENV", "ALLOWED_HOSTS")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def test_settings_load_with_local_defaults():
    assert settings.PORT == 8891
    assert settings.USE_TZ is True and settings.TIME_ZONE == "UTC"
    assert settings.REDIS_URL.startswith("redis://")
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


def test_default_database_is_a_sqlite_file_under_var_when_database_url_is_unset():
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
                     DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(Path(settings.VAR_DIR) / "db.sqlite3")


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("PORT", "eighty", "PORT='eighty' is not an integer"),
        ("PORT", "70000", "PORT=70000 is out of range"),
        ("DATABASE_URL", "nonsense", "DATABASE_URL is not a valid database URL"),
        ("REDIS_URL", "http://localhost", "REDIS_URL is not a valid Redis URL"),
        ("APP_ENV", "staging", "APP_ENV='staging' must be one of"),
        ("STRUCTURE_SWING_STRENGTH", "0", "STRUCTURE_SWING_STRENGTH=0 is out of range"),
        ("STRUCTURE_SWING_STRENGTH", "21", "STRUCTURE_SWING_STRENGTH=21 is out of range"),
    ],
)
def test_malformed_variable_gives_one_line_naming_it(variable, value, named):
    result = _manage("check", **{variable: value})
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_without_secret_key_refuses_to_start_and_says_why():
    result = _manage("check", APP_ENV="production", ALLOWED_HOSTS="example.com")
    assert result.returncode == 2
    assert result.stderr.strip() == "configuration error: SECRET_KEY is required but not set (see .env.example)"


def test_system_check_rejects_debug_in_production(settings):
    settings.IS_PRODUCTION = True
    settings.DEBUG = True
    settings.SECRET_KEY = "x" * 64
    settings.ALLOWED_HOSTS = ["example.com"]
    ids = [error.id for error in checks.production_safety_check(None)]
    assert ids == ["platform.E001"]
    with pytest.raises(SystemCheckError, match="DEBUG is on in production"):
        call_command("check")


def test_system_check_rejects_the_local_secret_key_in_production(settings):
    settings.IS_PRODUCTION = True
    settings.DEBUG = False
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET_KEY
    settings.ALLOWED_HOSTS = ["example.com"]
    assert [error.id for error in checks.production_safety_check(None)] == ["platform.E002"]


def test_production_settings_pass_the_check_when_safe():
    result = _manage("check", APP_ENV="production", SECRET_KEY="k" * 64, ALLOWED_HOSTS="example.com")
    assert result.returncode == 0, result.stderr


def test_a_misspelt_platform_variable_is_flagged_with_a_suggestion(monkeypatch):
    monkeypatch.setenv("REDIS_ULR", "redis://127.0.0.1:6379/0")
    warnings = checks.misspelt_environment_check(None)
    assert [w.id for w in warnings] == ["platform.W001"]
    assert "REDIS_URL" in warnings[0].hint


_POOL = ("from django.conf import settings; d = settings.DATABASES['default']; "
         "print(d['CONN_MAX_AGE'], d['OPTIONS'].get('pool'))")
_PG = "postgres://someone@127.0.0.1:5432/anything"


def test_only_the_web_processes_pool_postgresql_connections_and_none_persists():
    command = _manage("shell", "-c", _POOL, DATABASE_URL=_PG, DB_POOL="").stdout.strip().splitlines()[-1]
    assert command == "0 None", "manage.py and the Celery workers connect per command or task, no pool"
    web = _manage("shell", "-c", _POOL, DATABASE_URL=_PG, PLATFORM_WEB_PROCESS="1", DB_POOL="",
                  DB_POOL_MAX_SIZE="6").stdout.strip().splitlines()[-1]
    assert web == "0 {'min_size': 2, 'max_size': 6, 'timeout': 10.0}"
    off = _manage("shell", "-c", _POOL, DATABASE_URL=_PG, PLATFORM_WEB_PROCESS="1",
                  DB_POOL="false").stdout.strip().splitlines()[-1]
    assert off == "0 None", "DB_POOL=false turns the web pool off (e.g. behind PgBouncer)"


def test_a_pool_whose_minimum_is_above_its_maximum_is_refused_in_one_line():
    result = _manage("check", DATABASE_URL=_PG, DB_POOL_MIN_SIZE="5", DB_POOL_MAX_SIZE="2")
    assert result.returncode != 0
    assert "DB_POOL_MIN_SIZE=5 is above DB_POOL_MAX_SIZE=2" in result.stderr
