"""The data migration seeds the universe; the Candle table has the unique key the upsert needs."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from ta.models import Candle, Symbol

pytestmark = pytest.mark.django_db


def test_the_29_symbols_are_seeded_enabled_in_the_scanner_order():
    symbols = list(Symbol.objects.order_by("display_order").values_list("symbol", "enabled"))
    assert len(symbols) == 29 and all(enabled for _, enabled in symbols)
    assert symbols[0][0] == "BTCUSDT" and symbols[-1][0] == "SEIUSDT"


def test_a_candle_is_unique_per_symbol_timeframe_and_open_time():
    from datetime import UTC, datetime

    btc = Symbol.objects.get(symbol="BTCUSDT")
    values = {"open": 1, "high": 1, "low": 1, "close": 1, "volume": 1}
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    Candle.objects.create(symbol=btc, timeframe="5m", open_time=moment, **values)
    Candle.objects.create(symbol=btc, timeframe="1h", open_time=moment, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Candle.objects.create(symbol=btc, timeframe="5m", open_time=moment, **values)


def test_the_series_index_leads_with_symbol_timeframe_open_time():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Candle._meta.db_table)
    unique = [c["columns"] for c in constraints.values() if c["unique"] and not c["primary_key"]]
    assert ["symbol_id", "timeframe", "open_time"] in unique
