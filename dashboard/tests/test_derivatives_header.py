"""The page header's derivatives freshness indicator: one light per series, each with its tooltip."""

from __future__ import annotations

import html as html_lib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ta.models import DerivativesPoint, Symbol

pytestmark = pytest.mark.django_db


def test_the_header_names_each_series_and_marks_the_stale_one(scanned, operator_client, settings):
    settings.MARKET_DATA_SOURCE = "simulated"
    coin = Symbol.objects.filter(enabled=True).order_by("-display_order", "-symbol").first()
    now = timezone.now()
    for period, age in (("5m", timedelta(minutes=6)), ("1h", timedelta(minutes=70))):
        DerivativesPoint.objects.create(symbol=coin, period=period, time=now - age, source="simulated",
                                        open_interest=Decimal(1), global_long_short_ratio=Decimal(1),
                                        cvd=Decimal(1))  # no funding rate stored: that series is stale
    page = html_lib.unescape(operator_client.get("/").content.decode())
    header = page.split("<main>")[0]
    assert 'id="derivatives-freshness" class="light light-red"' in header
    for short in ("OI", "L/S", "CVD", "FR"):
        assert f">{short}</span>" in header
    assert f"Open interest of {coin.symbol}: 5m 6 min old; 1h 1.2 h old." in header
    assert 'class="derivatives-series stale" data-series="funding_rate"' in header
    assert "Funding rate of" in header and "5m none stored (stale)" in header


def test_the_header_says_when_derivatives_are_off(scanned, operator_client, settings):
    settings.DERIVATIVES_ENABLED = False
    header = operator_client.get("/").content.decode().split("<main>")[0]
    assert ">derivatives off</span>" in header
