"""The backtests page in Chromium: a run started from the form finishes on the page, no reload."""

from __future__ import annotations

import pytest

from trader.models import AuditEntry, BacktestRun, BacktestStatus

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
RUN_TIMEOUT_MS = 60_000


def test_a_run_started_from_the_page_shows_its_progress_and_links_to_its_result(logged_in_page, klines_dir):
    page = logged_in_page.open("/backtests")
    page.evaluate("window.loadedOnce = true")
    page.select_option("select[name=strategy]", "ema_cross")
    page.fill("input[name=symbols]", "solusdt")
    page.fill("input[name=start]", "2024-02-01")
    page.fill("input[name=end]", "2024-02-04")
    page.select_option("select[name=source]", "files")
    page.click("#backtest-form button[type=submit]")
    page.wait_for_selector("[data-error-for=tp_pct]:has-text('ema_cross needs tp_pct and sl_pct')")
    assert BacktestRun.objects.count() == 0, "a refused request starts nothing"

    page.fill("input[name=tp_pct]", "0.5")
    page.fill("input[name=sl_pct]", "0.5")
    page.click("#backtest-form button[type=submit]")
    page.wait_for_selector("#backtest-progress [data-role=status]:has-text('done')", timeout=RUN_TIMEOUT_MS)
    run = BacktestRun.objects.get()
    assert run.status == BacktestStatus.DONE and run.trades.count() > 0
    assert page.locator("#backtest-progress progress").evaluate("bar => bar.value") == 100
    result = page.locator("#backtest-progress [data-role=result]")
    assert f"{run.metrics['trades']} trades" in result.inner_text()
    assert result.locator("a").get_attribute("href") == f"/backtests/{run.pk}"
    page.wait_for_selector(f"#backtest-runs tr[data-run-id='{run.pk}'][data-status=done]")
    assert page.evaluate("window.loadedOnce") is True, "no reload"
    assert AuditEntry.objects.get(action="backtest.start").actor == "dash-operator"
    assert logged_in_page.console_errors == [] or all("400" in error for error in logged_in_page.console_errors)

    result.locator("a").click()
    page.wait_for_selector("#equity-chart")
