"""The row cache answers what the database holds now, whoever changed the row and however.

On PostgreSQL a process keeps the rows every request reads and re-reads one only when its
``xmin`` changed; these tests change rows behind its back (another connection, a queryset
update that bypasses ``save()``, raw SQL, a delete) and require the next read to see it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from config.row_cache import RowCache
from trader.api.keys import api_key_authenticate, api_key_create, api_key_revoke
from trader.models import BookLedger, TraderConfig, TraderMode
from trader.models.books import Venue
from trader.services.config import config_get

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the cache validates rows by PostgreSQL's xmin"),
]


def test_a_row_changed_by_a_queryset_update_or_raw_sql_is_read_again():
    cache = RowCache(BookLedger)
    BookLedger.objects.create(mode=TraderMode.DRY_RUN, venue=Venue.COINEX, starting_balance=Decimal(1000))
    assert cache.get(mode=TraderMode.DRY_RUN, venue=Venue.COINEX).starting_balance == Decimal(1000)

    BookLedger.objects.filter(mode=TraderMode.DRY_RUN).update(starting_balance=Decimal(2000))  # no save(), no signal
    assert cache.get(mode=TraderMode.DRY_RUN, venue=Venue.COINEX).starting_balance == Decimal(2000)

    with connection.cursor() as cursor:
        cursor.execute("UPDATE trader_bookledger SET equity_peak = 2500")
    assert cache.get(mode=TraderMode.DRY_RUN, venue=Venue.COINEX).equity_peak == Decimal(2500)

    BookLedger.objects.all().delete()
    assert cache.get(mode=TraderMode.DRY_RUN, venue=Venue.COINEX) is None


def test_an_unchanged_row_is_not_loaded_again_and_callers_cannot_change_the_cached_one():
    config = config_get()
    config.strategies.append("not-a-strategy")  # a caller changing its copy, never saved
    config.position_size_pct = Decimal(99)
    cache = RowCache(TraderConfig)
    cache.get(pk=config.pk)
    with CaptureQueriesContext(connection) as queries:
        again = cache.get(pk=config.pk)
    assert [query["sql"].split(" FROM ")[0] for query in queries.captured_queries] == ["SELECT xmin::text"]
    assert "not-a-strategy" not in again.strategies
    assert again.position_size_pct != Decimal(99)
    assert config_get().strategies == TraderConfig.objects.get(pk=config.pk).strategies


def test_a_revoked_api_key_stops_working_at_once():
    created = api_key_create(name="row-cache", read_only=True)
    assert api_key_authenticate(plain_key=created.plain_key) is not None
    assert api_key_authenticate(plain_key=created.plain_key) is not None  # now answered from the cache
    api_key_revoke(name="row-cache")
    assert api_key_authenticate(plain_key=created.plain_key) is None


def test_inside_a_transaction_the_row_is_read_from_the_database():
    cache = RowCache(BookLedger)
    BookLedger.objects.create(mode=TraderMode.DRY_RUN, venue=Venue.COINEX, starting_balance=Decimal(1000))
    with transaction.atomic():
        BookLedger.objects.update(starting_balance=Decimal(1100))
        assert cache.get(mode=TraderMode.DRY_RUN, venue=Venue.COINEX).starting_balance == Decimal(1100)
        BookLedger.objects.update(starting_balance=Decimal(1200))  # the same transaction: the same xmin
        assert cache.get(mode=TraderMode.DRY_RUN, venue=Venue.COINEX).starting_balance == Decimal(1200)
    assert cache.get(mode=TraderMode.DRY_RUN, venue=Venue.COINEX).starting_balance == Decimal(1200)
