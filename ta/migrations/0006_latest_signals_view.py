"""The view ``latest_signals`` (seed trading-support "SELECT * FROM latest_signals"): every column
of ``ta_trading_signals`` for the newest signal of each symbol (newest ``updated_at``, ties: the
highest id). The same SQL on PostgreSQL and SQLite; the correlated subquery is one lookup in the
index ``ta_signal_symbol_updated`` (symbol, -updated_at) per row. ``LatestSignal`` is its
unmanaged model. Every ``migrate`` drops the view before it runs and creates it again from this
SQL after (``ta.db_views``): both databases refuse to alter a table a view names, so later
migrations of ``ta_trading_signals`` need not know of it.
"""

from django.db import migrations, models
import django.db.models.deletion

CREATE_VIEW = """
CREATE VIEW latest_signals AS
SELECT candidate.* FROM ta_trading_signals candidate
WHERE candidate.id = (
    SELECT newest.id FROM ta_trading_signals newest
    WHERE newest.symbol_id = candidate.symbol_id
    ORDER BY newest.updated_at DESC, newest.id DESC
    LIMIT 1
)
"""
DROP_VIEW = "DROP VIEW IF EXISTS latest_signals"


class Migration(migrations.Migration):

    dependencies = [
        ('ta', '0005_structure'),
    ]

    operations = [
        migrations.RunSQL(CREATE_VIEW, DROP_VIEW),
        migrations.CreateModel(
            name='LatestSignal',
            fields=[
                ('signal', models.OneToOneField(db_column='id', on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='ta.tradingsignal')),
                ('symbol', models.ForeignKey(db_column='symbol_id', on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ta.symbol')),
            ],
            options={
                'db_table': 'latest_signals',
                'managed': False,
            },
        ),
    ]
