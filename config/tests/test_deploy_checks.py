"""``manage.py check --deploy`` is clean with the production settings, and HTTPS is settable.

The checks run in a subprocess with ``APP_ENV=production``, so they judge the real
production branch of ``config.settings`` (not test overrides of it).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from config.env import proxy_ssl_header
from config.testing import PROJECT_DIR

SECURITY_VARIABLES = ("DEBUG", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                      "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE",
                      "CSRF_COOKIE_SECURE")


def _check_deploy(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES}
    env.update(APP_ENV="production", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="trader.example.com")
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_no_issue_in_production():
    result = _check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr.upper(), result.stderr  # the OpenAPI schema warnings too


def test_https_settings_follow_the_environment():
    result = _check_deploy(SECURE_HSTS_SECONDS="0", SECURE_SSL_REDIRECT="false", SESSION_COOKIE_SECURE="false")
    assert result.returncode != 0
    for check_id in ("security.W004", "security.W008", "security.W012"):
        assert check_id in result.stderr


@pytest.mark.parametrize(("value", "parsed"), [
    ("X-Forwarded-Proto: https", ("HTTP_X_FORWARDED_PROTO", "https")),
    ("X-Forwarded-Ssl:on", ("HTTP_X_FORWARDED_SSL", "on")),
    ("off", None),
])
def test_proxy_ssl_header_is_read_as_django_expects(value, parsed):
    assert proxy_ssl_header(value) == parsed


@pytest.mark.parametrize("value", ["https", "X Forwarded: https", ": https"])
def test_a_malformed_proxy_ssl_header_is_refused(value):
    with pytest.raises(ValueError, match="Header-Name: value"):
        proxy_ssl_header(value)


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^health$"],
                   SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_HSTS_SECONDS=60)
def test_behind_the_proxy_https_is_served_plain_http_redirected_and_health_exempt():
    client = Client()
    plain = client.get("/api/v1/status")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/api/v1/status"
    proxied = client.get("/api/v1/status", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 401 and proxied["Strict-Transport-Security"].startswith("max-age=60")
    assert client.get("/health").status_code in (200, 503)  # the containers' own check is not redirected
