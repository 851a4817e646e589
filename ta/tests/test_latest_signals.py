"""The view ``latest_signals`` (seed trading-support "SELECT * FROM latest_signals"): the newest
signal of each symbol, every column of ``trading_signals``; on whichever database the suite runs
(PostgreSQL with DATABASE_URL, SQLite otherwise)."""

from __future__ import annotations

import pytest
from django.db import connection

from ta.models import LatestSignal, TradingSignal
from ta.structure_selectors import signal_latest, signals_latest_per_symbol
from ta.testing.signals import T0, trading_signal_create

pytestmark = pytest.mark.django_db


def _view_rows() -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM latest_signals ORDER BY symbol_id")
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_the_view_holds_the_newest_signal_of_each_symbol_with_every_column():
    trading_signal_create("BTCUSDT", direction="short", score=40, minutes=0)
    newest_btc = trading_signal_create("BTCUSDT", direction="long", score=95, minutes=60, timeframe="4h")
    trading_signal_create("BTCUSDT", direction="long", score=70, minutes=30, timeframe="5m")
    sol = trading_signal_create("SOLUSDT", direction="short", score=93, minutes=10)

    rows = _view_rows()
    assert [row["id"] for row in rows] == [newest_btc.pk, sol.pk], "one row per symbol: its newest"
    assert set(rows[0]) == {field.column for field in TradingSignal._meta.concrete_fields}
    assert (rows[0]["market_score"], rows[0]["timeframe"], rows[0]["direction"]) == (95, "4h", "long")


def test_a_tie_on_the_evaluation_time_goes_to_the_later_row():
    trading_signal_create("ETHUSDT", direction="short", minutes=5)
    later = trading_signal_create("ETHUSDT", direction="long", minutes=5, timeframe="5m")
    assert [row["id"] for row in _view_rows()] == [later.pk]


def test_an_update_moves_a_symbols_latest_signal():
    first = trading_signal_create("BTCUSDT", direction="short", minutes=0)
    second = trading_signal_create("BTCUSDT", direction="long", minutes=60)
    assert list(LatestSignal.objects.values_list("signal", flat=True)) == [second.pk]
    TradingSignal.objects.filter(pk=first.pk).update(updated_at=T0.replace(hour=14))  # the scan re-evaluated it
    assert list(LatestSignal.objects.values_list("signal", flat=True)) == [first.pk]


def test_the_signals_page_reads_the_view_and_agrees_with_the_apis_latest():
    for minutes, symbol in ((0, "BTCUSDT"), (20, "SOLUSDT"), (40, "BTCUSDT"), (60, "DOGEUSDT")):
        trading_signal_create(symbol, minutes=minutes, direction="long" if minutes % 40 else "short")
    table = signals_latest_per_symbol()
    assert [row["symbol"] for row in table] == ["BTCUSDT", "DOGEUSDT", "SOLUSDT"]
    assert table == [signal_latest(symbol=row["symbol"]) for row in table]


@pytest.mark.django_db(transaction=True)
def test_a_later_migration_can_alter_the_signals_table_and_the_view_comes_back():
    """Both databases refuse to alter a table a view names; ``migrate`` drops the view before it
    runs and creates it again after."""
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
    from django.db import models

    old = TradingSignal._meta.get_field("confluence")
    wider = models.CharField(max_length=80, blank=True)
    wider.set_attributes_from_name("confluence")
    wider.model = TradingSignal
    emit_pre_migrate_signal(verbosity=0, interactive=False, db="default")
    try:
        with connection.schema_editor() as editor:  # what an AlterField of a later migration does
            editor.alter_field(TradingSignal, old, wider)
        with connection.schema_editor() as editor:
            editor.alter_field(TradingSignal, wider, old)
    finally:
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    from ta.testing.symbols import symbols_seed

    symbols_seed()
    newest = trading_signal_create("BTCUSDT", minutes=10)
    assert [row["id"] for row in _view_rows()] == [newest.pk], "the view is back"
