"""System checks that refuse an unsafe or misspelt configuration.

They run with every management command (``check``, ``migrate``, ``run_platform``),
so a production deployment with DEBUG on or the local secret key does not start.
"""

from __future__ import annotations

import difflib
import os

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from config.env import KNOWN_ENV_VARS, PLATFORM_ENV_PREFIXES

MIN_SECRET_KEY_LENGTH = 50


@register(Tags.security)
def production_safety_check(app_configs, **kwargs) -> list[Error]:
    """In production (APP_ENV=production): DEBUG off, a real secret key, explicit hosts."""
    if not settings.IS_PRODUCTION:
        return []
    errors = []
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on in production: it leaks settings and tracebacks to anyone.",
                hint="Set DEBUG=false (or leave it unset) when APP_ENV=production.",
                id="platform.E001",
            )
        )
    secret_key = settings.SECRET_KEY
    if secret_key == settings.INSECURE_DEFAULT_SECRET_KEY or len(secret_key) < MIN_SECRET_KEY_LENGTH:
        errors.append(
            Error(
                "SECRET_KEY is the local default or too short for production.",
                hint=f"Set SECRET_KEY to a random string of at least {MIN_SECRET_KEY_LENGTH} characters, "
                "e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))'.",
                id="platform.E002",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS is empty in production: every request would be refused.",
                hint="Set ALLOWED_HOSTS to the host names the platform is served under (comma-separated).",
                id="platform.E003",
            )
        )
    return errors


@register()
def misspelt_environment_check(app_configs, **kwargs) -> list[Warning]:
    """Warn about a platform-looking variable that nothing reads (likely a typo)."""
    warnings = []
    for name in sorted(os.environ):
        if not name.startswith(PLATFORM_ENV_PREFIXES) or name in KNOWN_ENV_VARS:
            continue
        close = difflib.get_close_matches(name, KNOWN_ENV_VARS, n=1)
        hint = f"Did you mean {close[0]}?" if close else "See .env.example for the variables the platform reads."
        message = f"Environment variable {name} is not read by the platform."
        warnings.append(Warning(message, hint=hint, id="platform.W001"))
    return warnings
