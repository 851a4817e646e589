"""Docker files: there is no Docker engine here, so the files themselves are checked.

These tests parse docker-compose.yml and the Dockerfile; they do not claim the images
were built or run.
"""

import re

import pytest
import yaml

from config.env import KNOWN_ENV_VARS
from config.testing import PROJECT_DIR


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())


def test_compose_runs_web_workers_beat_redis_and_postgres(compose):
    services = compose["services"]
    assert {"web", "worker", "trader-worker", "beat", "redis", "postgres"} <= set(services)
    assert "celery" in services["worker"]["command"] and "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    worker_queues = {q for name in ("worker", "trader-worker")
                     for q in services[name]["command"][services[name]["command"].index("-Q") + 1].split(",")}
    assert worker_queues == {"market", "analysis", "trader"}, "every queue has a consumer"
    assert services["web"]["ports"] == ["${PUBLISHED_PORT:-8891}:8891"]


def test_every_service_has_a_healthcheck_and_app_services_wait_for_healthy_stores(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in ("web", "worker", "trader-worker", "beat"):
        depends = compose["services"][name]["depends_on"]
        assert depends == {"postgres": {"condition": "service_healthy"}, "redis": {"condition": "service_healthy"}}


def test_app_services_run_in_production_mode_on_postgres_and_redis(compose):
    for name in ("web", "worker", "trader-worker", "beat"):
        env = compose["services"][name]["environment"]
        assert env["APP_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert compose["services"][name]["env_file"] == ".env"


def test_data_lives_in_named_volumes(compose):
    assert set(compose["volumes"]) == {"app-var", "redis-data", "postgres-data"}
    assert "postgres-data:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert "redis-data:/data" in compose["services"]["redis"]["volumes"]


def test_no_password_is_written_into_the_compose_file(compose):
    text = (PROJECT_DIR / "docker-compose.yml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_dockerfile_is_multi_stage_on_python_312_slim_as_non_root_with_healthcheck():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)", dockerfile, re.M)
    assert stages == [("python:3.12-slim", "build"), ("python:3.12-slim", "runtime")]
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert re.search(r"^USER app$", runtime, re.M)
    assert "HEALTHCHECK" in runtime and "/health" in runtime
    assert "check --deploy" in runtime, "the production checks run before the server starts"


def test_env_example_documents_every_variable_with_a_comment():
    lines = [line for line in (PROJECT_DIR / ".env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    documented = {line.split("=", 1)[0]: line for line in lines}
    missing = [name for name in KNOWN_ENV_VARS if name not in documented]
    assert not missing, f".env.example lacks {missing}"
    uncommented = [name for name, line in documented.items() if "#" not in line.split("=", 1)[1]]
    assert not uncommented, f"no comment for {uncommented}"


def test_the_image_serves_with_the_same_web_command_as_run_platform(compose):
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.M).group(1)
    assert cmd.rstrip('"]').endswith("exec python -m config.web"), "config.web runs config.runner.web_argv"
    assert "command" not in compose["services"]["web"], "compose's web runs the image's command"


def test_the_streams_service_runs_the_stream_process_and_idles_unless_enabled(compose):
    from django.conf import settings

    assert compose["services"]["streams"]["command"] == ["python", "manage.py", "run_streams"]
    assert settings.STREAMS_ENABLED is False  # the default: the offline demo's simulated market has no stream
