"""The Signals page in Chromium: the seed's output table, updated live by a structure scan, with the
user's sort and filter kept across the update."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.tests.browser.conftest import off_loop
from dashboard.tests.conftest import scan_real_candles
from dashboard.tests.test_signals_page import SEED_HEADINGS
from ta.models import TradingSignal
from ta.services.structure import structure_scan
from ta.testing.signals import trading_signal_create

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _signals_stored(klines_dir) -> None:
    """DOGEUSDT's real signal from the real scan, and three of the seed's example beside it."""
    scan_real_candles(klines_dir)
    trading_signal_create("BTCUSDT", score=95, confidence_score=87.5)
    trading_signal_create("SOLUSDT", direction="short", score=93, confidence_score=80.0, price=156.01)
    trading_signal_create("ETHUSDT", score=50, confidence_score=40.0)
    structure_scan(symbols=["DOGEUSDT"], timeframes=["1h"])  # the pages' sockets have been sent this table


def _later_scan_changed(klines_dir) -> None:
    TradingSignal.objects.filter(symbol__symbol="BTCUSDT").update(market_score=20, confidence_score=60.0)
    TradingSignal.objects.filter(symbol__symbol="SOLUSDT").update(confidence_score=45.0)
    structure_scan(symbols=["DOGEUSDT"], timeframes=["1h"])  # the scan's push carries the changed rows


def _visible_symbols(page) -> list[str]:
    return page.eval_on_selector_all("#signal-rows tr.signal-row:not([hidden])",
                                     "rows => rows.map(row => row.dataset.symbol)")


def test_the_signals_table_updates_live_and_keeps_the_users_sort_and_filter(transactional_db, klines_dir,
                                                                             logged_in_page):
    off_loop(_signals_stored, klines_dir)
    page = logged_in_page.open("/signals")
    assert page.locator("#signals-table thead th").all_inner_texts() == SEED_HEADINGS
    assert page.locator("#signal-rows tr.signal-row").count() == 4
    assert _visible_symbols(page) == ["BTCUSDT", "SOLUSDT", "ETHUSDT", "DOGEUSDT"], "best market score first"

    page.click("#signals-table th[data-k=score] button")  # again: lowest score first
    page.fill("#signal-min-confidence", "50")
    assert _visible_symbols(page) == ["DOGEUSDT", "SOLUSDT", "BTCUSDT"], "ETHUSDT's confidence 40 is hidden"
    page.eval_on_selector("tr[data-symbol=DOGEUSDT]", "row => { row.dataset.untouched = 'yes'; }")

    off_loop(_later_scan_changed, klines_dir)
    expect(page.locator("tr[data-symbol=BTCUSDT] td[data-k=score]")).to_have_text("20")
    assert _visible_symbols(page) == ["BTCUSDT", "DOGEUSDT"], "still lowest first; SOLUSDT now below 50 confidence"
    assert page.locator("#signals-table th[data-k=score]").get_attribute("aria-sort") == "ascending"
    assert page.input_value("#signal-min-confidence") == "50"
    assert page.locator("tr[data-symbol=ETHUSDT]").is_hidden()
    assert page.locator("tr[data-symbol=DOGEUSDT]").get_attribute("data-untouched") == "yes", (
        "only the changed rows were replaced")
    assert page.locator("#signal-count").inner_text() == "2 of 4 shown"
    logged_in_page.screenshot("signals")
    assert logged_in_page.console_errors == []


def _new_signal_arrives() -> None:
    trading_signal_create("XRPUSDT", direction="short", score=71, confidence_score=66.0, price=0.5123)
    structure_scan(symbols=["DOGEUSDT"], timeframes=["1h"])  # the scan's push carries the table


def test_a_new_signal_appears_live_on_the_signals_page(transactional_db, klines_dir, logged_in_page):
    off_loop(_signals_stored, klines_dir)
    page = logged_in_page.open("/signals")
    assert page.locator("tr[data-symbol=XRPUSDT]").count() == 0
    off_loop(_new_signal_arrives)
    row = page.locator("tr.signal-row[data-symbol=XRPUSDT]")
    expect(row.locator("td[data-k=score]")).to_have_text("71")
    expect(row.locator("td[data-k=direction]")).to_contain_text("short")
    assert page.locator("#signal-rows tr.signal-row").count() == 5, "added beside the four, none lost"
    assert logged_in_page.console_errors == []
