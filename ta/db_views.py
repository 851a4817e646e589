"""The database view ``latest_signals`` (migration ``0006_latest_signals_view``) kept out of the way
of later schema changes.

PostgreSQL refuses to alter a column a view uses, and SQLite's table rebuild (how Django alters a
column or adds a NOT NULL one there) fails while a view names the table. So every ``migrate``
drops the view before it runs (``pre_migrate``) and creates it again after (``post_migrate``) when
its migration is applied: a later migration of ``ta_trading_signals`` needs to know nothing of it.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

VIEW_MIGRATION = ("ta", "0006_latest_signals_view")
_MIGRATION = importlib.import_module("ta.migrations.0006_latest_signals_view")


def latest_signals_view_applied(*, using: str) -> bool:
    """Whether the view's migration is applied on database ``using`` (so the view should exist)."""
    recorder = MigrationRecorder(connections[using])
    return recorder.has_table() and VIEW_MIGRATION in recorder.applied_migrations()


def latest_signals_view_drop(*, using: str) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(_MIGRATION.DROP_VIEW)


def latest_signals_view_create(*, using: str) -> None:
    """Create the view again from the migration's SQL (replacing any); nothing before its migration."""
    if not latest_signals_view_applied(using=using):
        return
    with connections[using].cursor() as cursor:
        cursor.execute(_MIGRATION.DROP_VIEW)
        cursor.execute(_MIGRATION.CREATE_VIEW)


def view_drop_before_migrate(*, using: str = "default", **kwargs: Any) -> None:
    """``pre_migrate`` receiver."""
    latest_signals_view_drop(using=using)


def view_create_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    """``post_migrate`` receiver."""
    latest_signals_view_create(using=using)
