"""How fresh the derivatives series are, as /health and the page header report them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ta.models import DerivativesPoint, Symbol
from ta.selectors import derivatives_freshness

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 3, tzinfo=UTC)


def last_coin() -> Symbol:
    return Symbol.objects.filter(enabled=True).order_by("-display_order", "-symbol").first()


def point(symbol, period, age, **values):
    DerivativesPoint.objects.update_or_create(symbol=symbol, period=period, time=NOW - age,
                                              defaults={"source": "binance_data", **values})


def by_series(report):
    return {(item["period"], item["name"]): item for item in report["series"]}


def test_nothing_stored_is_stale_when_the_source_should_have_them(settings):
    settings.MARKET_DATA_SOURCE = "binance"
    report = derivatives_freshness(now=NOW)
    assert report["expected"] and report["stale"]
    assert all(item["newest"] is None and item["stale"] for item in report["series"])


def test_each_series_is_judged_by_its_own_newest_row_of_the_last_coin(settings):
    settings.MARKET_DATA_SOURCE = "binance"
    coin = last_coin()
    value = {"open_interest": Decimal(1), "global_long_short_ratio": Decimal(1), "cvd": Decimal(5),
             "funding_rate": Decimal("0.0001")}
    point(coin, "5m", timedelta(minutes=8), **value)
    point(coin, "5m", timedelta(minutes=3), cvd=Decimal(6))  # the forming candle's taker volumes
    point(coin, "1h", timedelta(hours=5), **value)  # the 1h series stopped 5 hours ago
    first = Symbol.objects.filter(enabled=True).order_by("display_order", "symbol").first()
    point(first, "1h", timedelta(hours=1), **value)  # another coin's fresher rows do not hide it
    series = by_series(derivatives_freshness(now=NOW))
    assert series[("5m", "cvd")]["age_s"] == 180 and not series[("5m", "cvd")]["stale"]
    assert series[("5m", "open_interest")]["age_s"] == 480 and not series[("5m", "open_interest")]["stale"]
    assert series[("1h", "funding_rate")]["stale"] and series[("1h", "open_interest")]["age_s"] == 5 * 3600


def test_nothing_is_stale_when_derivatives_are_off_or_the_source_has_none(settings):
    settings.DERIVATIVES_ENABLED = False
    report = derivatives_freshness(now=NOW)
    assert not report["expected"] and not report["stale"]
    settings.DERIVATIVES_ENABLED = True
    settings.MARKET_DATA_SOURCE = "replay"  # a CSV replay (no replay database)
    assert not derivatives_freshness(now=NOW)["stale"]


def test_it_is_one_query():
    with CaptureQueriesContext(connection) as captured:
        derivatives_freshness(now=NOW)
    assert len(captured.captured_queries) == 1


def test_health_reports_it_from_a_per_process_cache(settings):
    from config.health import _read_sections, health_cache_clear

    settings.MARKET_DATA_SOURCE = "binance"
    settings.HEALTH_PROBE_CACHE_S = 60
    health_cache_clear()
    section = _read_sections()["derivatives"]
    assert section["stale"] and {"name", "period", "newest", "age_s", "stale"} <= set(section["series"][0])
    with CaptureQueriesContext(connection) as captured:
        _read_sections()
    assert captured.captured_queries == [], "answered from the cache"
    health_cache_clear()
