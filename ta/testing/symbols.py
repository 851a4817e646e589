"""The seeded symbol universe, for tests that run after a database flush.

A test on ``transactional_db`` (needed when a Celery worker or the ASGI server must see
its rows) ends with a flush, which empties every table, data migrations included. A
later transactional test that needs the 29 seeded symbols calls ``symbols_seed()``.
"""

from __future__ import annotations

import importlib

_SEED_MIGRATION = importlib.import_module("ta.migrations.0002_seed_symbols")


def symbols_seed() -> None:
    """Create any of the 29 seeded symbols that are missing (as the data migration does)."""
    from django.apps import apps

    _SEED_MIGRATION.seed_symbols(apps, None)
