"""Before the test suite: make sure the services it needs answer, or say what is missing.

``python -m config.preflight`` exits 0 when Redis (started locally when possible) and
the configured database answer; otherwise it prints one line per missing service with
how to get it, and exits 1.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    from django.conf import settings
    from django.db import connection

    from config import runner

    problems = []
    try:
        print(f"preflight: {runner.redis_ensure(url=settings.REDIS_URL, var_dir=runner.var_dir())}")
    except RuntimeError as error:
        problems.append(f"Redis: {error}")
    try:
        connection.ensure_connection()
        print(f"preflight: database answers ({connection.vendor} {connection.settings_dict['NAME']})")
    except Exception as error:  # noqa: BLE001 - reported as a missing service
        problems.append(
            f"database: {type(error).__name__}: {str(error).strip().splitlines()[0]} "
            "(start PostgreSQL or unset DATABASE_URL to use SQLite)"
        )
    for problem in problems:
        print(f"preflight: cannot run the tests, {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
