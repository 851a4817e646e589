"""The scanner page in Chromium: login, every coin's card, tooltips, live updates, the error panel."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from playwright.sync_api import expect

from dashboard import tooltips
from dashboard.tests.browser.conftest import PHONE, off_loop
from dashboard.tests.conftest import PASSWORD, SCANNED, scan_real_candles
from ta.selectors import symbols_enabled
from ta.tests.analysis_data import END, candles_store

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scanned_committed(transactional_db, klines_dir):
    off_loop(scan_real_candles, klines_dir)
    return SCANNED


def test_login_form_leads_to_the_scanner_with_a_card_per_coin(scanned_committed, operator_user, browser_page):
    page = browser_page.open("/", live=False)
    assert "/login/" in page.url, "an anonymous visitor is sent to the login page"
    page.fill("input[name=username]", operator_user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#ws-status[data-state=live]")
    assert page.url.rstrip("/") == browser_page.base_url
    assert page.locator(".card").count() == len(symbols_enabled())
    btc = page.locator(".card[data-symbol=BTCUSDT]")
    assert "LONG" in btc.inner_text() and "SHORT" in btc.inner_text()
    assert " = " in btc.locator("[data-role=long-total]").inner_text(), "score shown as base + bonus = total"
    assert btc.locator(".ribbon").count() == 1 and btc.locator(".dot").count() == 1
    assert btc.locator("[data-role=regime]").count() == 1, "the structure engine's regime shows on the card"
    assert page.locator(".card[data-symbol=AAVEUSDT]").inner_text().find("not scanned yet") > 0
    browser_page.screenshot("scanner")
    assert browser_page.console_errors == []


def test_tooltips_show_the_seed_texts_on_hover_and_on_tap(scanned_committed, logged_in_page):
    page = logged_in_page.open("/")
    btc = page.locator(".card[data-symbol=BTCUSDT]")
    tooltip = page.locator("#tooltip")
    for selector, text in (
        ("[data-tip^='Relative Strength']", tooltips.RSI),
        (".ribbon", tooltips.EMA_RIBBON),
        ("[data-tip^='TTM Squeeze']", tooltips.TTM_SQUEEZE),
        ("[data-tip^='Bollinger']", tooltips.BB_POSITION),
        ("[data-tip^='Volume-Weighted']", tooltips.VWAP),
    ):
        btc.locator(selector).first.hover()
        expect(tooltip).to_be_visible()  # waits (up to 5 s) for the tooltip's show
        expect(tooltip).to_have_text(text)
    btc.locator(".score").first.hover()
    expect(tooltip).to_have_text("Composite score (0-80). Signal threshold: 45")
    page.set_viewport_size(PHONE)
    page.mouse.move(0, 0)
    btc.locator(".badge-lev").tap()
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(tooltips.LEVERAGE)
    assert logged_in_page.console_errors == []


def test_a_new_scan_on_the_worker_changes_the_card_without_a_reload(
    scanned_committed, logged_in_page, celery_worker_process, klines_dir
):
    from ta.tasks.analysis import analyse_symbols

    page = logged_in_page.open("/")
    page.evaluate("window.notReloaded = true")
    card = page.locator(".card[data-symbol=BTCUSDT]")
    before = card.locator(".price").inner_text()
    off_loop(candles_store, klines_dir, "BTCUSDT", end=END + pd.Timedelta(hours=6))
    off_loop(lambda: analyse_symbols.delay(["BTCUSDT"]).get(timeout=90))
    page.wait_for_function(
        "before => document.querySelector('.card[data-symbol=BTCUSDT] .price').textContent !== before", arg=before
    )
    assert page.evaluate("window.notReloaded") is True
    assert logged_in_page.console_errors == []


def test_an_error_logged_by_the_server_opens_the_log_panel_with_a_badge(scanned_committed, logged_in_page):
    page = logged_in_page.open("/")
    assert page.locator("#error-log").is_hidden()
    off_loop(logging.getLogger("ta.services.fetch").error, "binance answered 418 (banned)")
    page.wait_for_selector("#error-log:not([hidden])")
    assert page.locator("#error-badge").inner_text() == "1"
    assert "SCAN_ERROR" in page.locator("#error-log").inner_text(), "a ta logger's error is a scan error"
    assert "binance answered 418 (banned)" in page.locator("#error-log").inner_text()
    page.click("#error-toggle")
    assert page.locator("#error-log").is_hidden() and page.locator("#error-badge").is_hidden()
    assert logged_in_page.console_errors == []


def test_sorting_and_filtering_the_cards(scanned_committed, logged_in_page):
    page = logged_in_page.open("/")
    page.select_option("#sort", "symbol")
    symbols = page.eval_on_selector_all(".card", "cards => cards.map(card => card.dataset.symbol)")
    assert symbols == sorted(symbols)
    page.fill("#search", "eth")
    visible = page.eval_on_selector_all(".card:not([hidden])", "cards => cards.map(card => card.dataset.symbol)")
    assert visible == ["ETHUSDT"]
    assert logged_in_page.console_errors == []
