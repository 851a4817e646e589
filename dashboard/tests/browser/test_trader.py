"""The trader page in Chromium: every action through the REST API reaches the database."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coinex.factory import exchange_for_mode
from dashboard.tests.browser.conftest import off_loop
from dashboard.tests.conftest import backtest_run_stored, scan_real_candles
from ta.models import ScanResult
from trader.cycle.run import cycle_run
from trader.models import AuditVia, CloseReason, LockKind, Trade
from trader.services.actor import Actor
from trader.services.config import config_get
from trader.services.status import status_get, trader_mode_set
from trader.tests.conftest import TestMarket as PricedMarket

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def paper_positions_open(user) -> None:
    """Dry-run with two paper positions (BTC long, ETH short) on the default paper account,
    opened by the trader's own cycle from strong scans at current prices."""
    market = PricedMarket()
    market.price("BTCUSDT", "50000")
    market.price("ETHUSDT", "3000")
    ScanResult.objects.filter(symbol__symbol="BTCUSDT").update(long_score=70, short_score=0,
                                                               computed_at=timezone.now())
    ScanResult.objects.filter(symbol__symbol="ETHUSDT").update(long_score=0, short_score=70,
                                                               computed_at=timezone.now())
    trader_mode_set(mode="dry-run", actor=Actor.for_user(user, via=AuditVia.PAGE))
    cycle_run(exchange=exchange_for_mode(mode="dry-run"))


@pytest.fixture
def scanned_committed(transactional_db, klines_dir):
    off_loop(scan_real_candles, klines_dir, ("BTCUSDT", "ETHUSDT"))


def wait_db(page, condition, what: str) -> None:
    for _ in range(100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the database never showed {what}")


def test_mode_switch_and_config_edit_from_the_page_reach_the_database(scanned_committed, logged_in_page):
    page = logged_in_page.open("/trader")
    assert status_get().mode == "paused"
    page.click("button[data-mode=dry-run]")
    wait_db(page, lambda: status_get().mode == "dry-run", "mode dry-run")
    page.wait_for_selector("[data-role=mode]:has-text('dry-run')")

    page.click("button[data-mode=live]")
    page.fill("#confirm-live input[name=typed]", "yes")
    page.click("#confirm-live button[value=ok]")
    page.wait_for_selector("#action-result:has-text('type LIVE')")
    assert status_get().mode == "dry-run", "live needs the typed confirmation"
    page.click("button[data-mode=live]")
    page.fill("#confirm-live input[name=typed]", "LIVE")
    page.click("#confirm-live button[value=ok]")
    page.wait_for_selector("#action-result:has-text('failed')")
    assert "credentials" in page.locator("#action-result").inner_text()
    assert status_get().mode == "dry-run", "live without CoinEx credentials is refused by the API"

    page.fill("input[name=max_positions]", "4")
    page.fill("input[name=coin_blacklist]", "dogeusdt, PEPEUSDT")
    page.click("#config-form button[type=submit]")
    page.wait_for_selector("#config-result:has-text('Saved')")
    assert config_get().max_positions == 4
    assert config_get().coin_blacklist == ["DOGEUSDT", "PEPEUSDT"]
    page.wait_for_selector("#config-history td:has-text('max_positions')")

    page.fill("input[name=max_positions]", "999")
    page.click("#config-form button[type=submit]")
    page.wait_for_selector("[data-error-for=max_positions]:not(:empty)")
    assert config_get().max_positions == 4, "an invalid value changes nothing"
    logged_in_page.screenshot("trader-config")
    refused = ("status of 400", "status of 409")
    unexpected = [error for error in logged_in_page.console_errors if not any(code in error for code in refused)]
    assert unexpected == [], "only the refused live switch (409) and config edit (400) may show in the console"


def test_close_one_then_emergency_stop_closes_the_paper_positions(scanned_committed, operator_user, logged_in_page):
    off_loop(paper_positions_open, operator_user)
    assert Trade.objects.filter(closed_at__isnull=True).count() == 2
    page = logged_in_page.open("/trader")
    assert page.locator("#positions tbody tr[data-symbol]").count() == 2
    logged_in_page.screenshot("trader")

    page.click("#positions tr[data-symbol=BTCUSDT] button[data-action=close]")
    page.wait_for_selector("#positions tr[data-symbol=BTCUSDT]", state="detached")
    assert Trade.objects.get(symbol="BTCUSDT").close_reason == CloseReason.MANUAL

    page.click("button[data-action=emergency-stop]")
    page.click("#confirm-emergency button[value=ok]")
    page.wait_for_selector("#positions td:has-text('No open positions')")
    page.wait_for_selector("#action-result:has-text('Closed 1 of 1 position(s)')")  # the push may come first
    assert not Trade.objects.filter(closed_at__isnull=True).exists()
    assert Trade.objects.get(symbol="ETHUSDT").close_reason == CloseReason.EMERGENCY
    assert status_get().lock_kind == LockKind.EMERGENCY_STOP
    page.wait_for_selector("[data-role=lock]:has-text('LOCKED')")

    page.click("button[data-action=clear-lock]")
    page.wait_for_selector("[data-role=lock]:has-text('Not locked')")
    assert not status_get().is_locked
    page.wait_for_selector("#history td:has-text('emergency stop')")
    assert logged_in_page.console_errors == []


def test_symbol_settings_backtest_and_login_pages(scanned_committed, browser_page, logged_in_page):
    page = logged_in_page.open("/symbol/BTCUSDT")
    page.wait_for_selector("#chart canvas")
    assert "EMA ribbon" in page.locator("main").inner_text()
    assert "market structure (5m)" in page.locator("main").inner_text().lower()
    page.click("a[href='?tf=1h']")
    page.wait_for_selector("#chart canvas")
    assert page.url.endswith("?tf=1h")
    assert "Regime" in page.locator("main").inner_text() and "not computed yet" not in page.locator(
        "main").inner_text(), "the 1h structure was computed by the fixture"
    logged_in_page.screenshot("symbol")

    page = logged_in_page.open("/settings")
    assert "not configured" in page.locator("#credentials-coinex").inner_text()
    page.click("#connection-test-coinex")
    page.wait_for_selector("#connection-result-coinex:has-text('not_configured')")
    page.click("#connection-test-binance")  # each venue has its own test, answered in its own block
    page.wait_for_selector("#connection-result-binance:has-text('Binance USD-M API credentials')")
    assert "Binance" not in page.locator("#connection-result-coinex").inner_text()
    logged_in_page.screenshot("settings")
    assert logged_in_page.console_errors == []

    run = off_loop(backtest_run_stored)
    page = logged_in_page.open("/backtests")
    page.click(f"a[href='/backtests/{run.pk}']")
    page.wait_for_selector("#equity-chart canvas")
    assert page.locator("#backtest-trades tbody tr").count() == run.metrics["trades"]
    logged_in_page.screenshot("backtest")
    assert logged_in_page.console_errors == []

    page.context.clear_cookies()
    logged_in_page.open("/login/", live=False)
    logged_in_page.screenshot("login")


def test_a_switch_that_would_leave_positions_behind_asks_first_and_shows_them_unmanaged(scanned_committed,
                                                                                        logged_in_page):
    from decimal import Decimal

    Trade.objects.create(correlation_id="sig-live-book", symbol="BTCUSDT", side="long", mode="live", venue="coinex",
                         size=Decimal("0.01"), entry_price=Decimal("50000"), leverage=5, margin=Decimal("100"),
                         opened_at=timezone.now())  # a position of the live book, left open while paused
    page = logged_in_page.open("/trader")
    page.click("button[data-mode=dry-run]")
    page.wait_for_selector("#confirm-open-positions[open]")
    assert "live/coinex: 1 open position(s) (BTCUSDT long)" in page.locator(
        "[data-role=open-positions-detail]").inner_text()
    page.click("#confirm-open-positions button[value=cancel]")
    page.wait_for_selector("#action-result:has-text('Not switched')")
    assert status_get().mode == "paused"

    page.click("button[data-mode=dry-run]")
    page.click("#confirm-open-positions button[value=leave]")
    wait_db(page, lambda: status_get().mode == "dry-run", "mode dry-run")
    page.wait_for_selector("[data-role=unmanaged]:has-text('BTCUSDT long')")
    assert Trade.objects.get(correlation_id="sig-live-book").unmanaged_at is not None
    logged_in_page.screenshot("trader-unmanaged")


def test_the_currency_selector_shows_every_money_figure_in_the_chosen_currency(logged_in_page):
    from decimal import Decimal

    off_loop(lambda: Trade.objects.create(
        correlation_id="c-fx", symbol="BTCUSDT", side="long", mode="dry-run", size=Decimal("0.01"),
        entry_price=Decimal("60000"), exit_price=Decimal("61000"), pnl=Decimal("10"), leverage=5,
        margin=Decimal("120"), opened_at=timezone.now(), closed_at=timezone.now(), close_reason="tp"))
    page = logged_in_page.open("/trader")
    history = page.locator("#history")
    assert history.locator("[data-ccy=USDT]").first.is_visible()
    assert not history.locator("[data-ccy=CHF]").first.is_visible()
    page.select_option("#currency", "CHF")
    assert history.locator("[data-ccy=CHF]").first.inner_text() == "8.0000 CHF"  # the fixed demo rate 0.80
    assert not history.locator("[data-ccy=USDT]").first.is_visible()
    assert page.locator("#performance [data-ccy=CHF].muted").inner_text() == "1 USDT = 0.8 CHF (fixed rate of " \
                                                                              "2026-03-01)"
    page.reload()
    page.wait_for_selector("#ws-status[data-state=live]")
    assert page.locator("#currency").input_value() == "CHF", "the choice is remembered"
    assert history.locator("[data-ccy=CHF]").first.is_visible()
