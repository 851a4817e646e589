"""The strategies page in a browser: the shared currency selector (static/js/currency.js) works there too."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard.tests.browser.conftest import off_loop
from trader.models import Trade

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_currency_selector_shows_the_strategies_money_in_the_chosen_currency(logged_in_page):
    closed = timezone.now() - timedelta(hours=1)
    off_loop(lambda: Trade.objects.create(
        correlation_id="c-fx", symbol="BTCUSDT", side="long", mode="dry-run", size=Decimal("0.01"),
        entry_price=Decimal("60000"), exit_price=Decimal("61000"), pnl=Decimal("10"), leverage=5,
        margin=Decimal("120"), opened_at=closed - timedelta(hours=1), closed_at=closed, close_reason="tp",
        strategy="supertrend"))
    page = logged_in_page.open("/strategies")
    panel = page.locator("#strategy-supertrend")
    assert panel.locator("[data-ccy=USDT]").first.inner_text() == "10.00 USDT"
    assert not panel.locator("[data-ccy=CHF]").first.is_visible()
    page.select_option("#currency", "CHF")
    assert panel.locator("[data-ccy=CHF]").first.inner_text() == "8.00 CHF"  # the fixed demo rate 0.80
    assert not panel.locator("[data-ccy=USDT]").first.is_visible()
    assert logged_in_page.console_errors == []
