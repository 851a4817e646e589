"""The venue status pill in Chromium: when a live cycle finds a market reduce-only, the header of
an open page shows it (pushed, no reload), with the reason in its tooltip; open again, it goes."""

from __future__ import annotations

import pytest

from coinex.venue import VenueState, VenueStatus
from dashboard.tests.browser.conftest import off_loop
from trader.models import TraderStatus
from trader.services.venue_gate import venue_gate_record

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def status(**markets: VenueState) -> VenueStatus:
    return VenueStatus(venue="binance", state=VenueState.OPEN, reason="ping ok", markets=markets,
                       market_reasons={symbol: "exchangeInfo status PRE_DELIVERING" for symbol in markets})


def test_a_reduce_only_market_shows_in_the_header_of_an_open_page_and_goes_when_open_again(logged_in_page):
    off_loop(lambda: TraderStatus.objects.update_or_create(pk=1, defaults={"mode": "live"}))
    page = logged_in_page.page
    logged_in_page.open("/")
    page.wait_for_selector("#mode-badge:has-text('live')")
    assert page.locator("#venue-status").count() == 0

    off_loop(venue_gate_record, status=status(ETHUSDT=VenueState.REDUCE_ONLY))
    pill = page.wait_for_selector("#venue-status:has-text('ETHUSDT reduce_only')")
    assert "ETHUSDT on binance is reduce_only: exchangeInfo status PRE_DELIVERING" in pill.get_attribute("data-tip")

    off_loop(venue_gate_record, status=status(ETHUSDT=VenueState.OPEN))
    page.wait_for_selector("#venue-status", state="detached")
