"""Make ``ta_candle`` a TimescaleDB hypertable when the extension is installed.

Plain PostgreSQL and SQLite are left unchanged. TimescaleDB requires every unique
index to contain the partitioning column, so the primary key becomes (id, open_time);
``id`` stays an identity column and Django keeps using it alone.
"""

from django.db import migrations

TABLE = "ta_candle"


def timescaledb_installed(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
        return cursor.fetchone() is not None


def make_hypertable(apps, schema_editor):
    if not timescaledb_installed(schema_editor):
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [TABLE]
        )
        (primary_key,) = cursor.fetchone()
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{primary_key}"')
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id, open_time)")
        cursor.execute(
            "SELECT create_hypertable(%s, 'open_time', migrate_data => true, if_not_exists => true)", [TABLE]
        )


class Migration(migrations.Migration):
    dependencies = [("ta", "0002_seed_symbols")]

    operations = [migrations.RunPython(make_hypertable, migrations.RunPython.noop)]
