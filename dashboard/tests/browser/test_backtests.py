"""The backtests page in Chromium: a run started from the form finishes on the page, no reload; a running
run cancelled from the page stops, stores nothing and frees the worker for the next."""

from __future__ import annotations

import pytest

from trader.models import AuditEntry, BacktestRun, BacktestStatus

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
RUN_TIMEOUT_MS = 60_000


def run_form_fill(page, *, strategy: str, symbols: str, start: str, end: str, **numbers: str) -> None:
    """Fill the run form as a person would (candles from the server's files); ``numbers``: tp_pct, sl_pct."""
    page.select_option("select[name=strategy]", strategy)
    page.fill("input[name=symbols]", symbols)
    page.fill("input[name=start]", start)
    page.fill("input[name=end]", end)
    page.select_option("select[name=source]", "files")
    for name, value in numbers.items():
        page.fill(f"input[name={name}]", value)


def test_a_run_started_from_the_page_shows_its_progress_and_links_to_its_result(logged_in_page, klines_dir):
    page = logged_in_page.open("/backtests")
    page.evaluate("window.loadedOnce = true")
    run_form_fill(page, strategy="ema_cross", symbols="solusdt", start="2024-02-01", end="2024-02-04")
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


def test_a_running_run_cancelled_from_the_page_stops_and_stores_nothing(logged_in_page, klines_dir):
    page = logged_in_page.open("/backtests")
    # Five coins over eight months: it is still running when cancelled.
    run_form_fill(page, strategy="scanner", symbols="BTCUSDT ETHUSDT SOLUSDT XRPUSDT DOGEUSDT", start="2024-01-01",
                  end="2024-09-01")
    page.click("#backtest-form button[type=submit]")
    page.wait_for_selector("#backtest-progress [data-role=status]:has-text('running')", timeout=RUN_TIMEOUT_MS)
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.click("#backtest-progress [data-role=cancel]")
    page.wait_for_selector("#backtest-progress [data-role=status]:has-text('cancelled')")
    assert "Cancel run" in dialogs[0] and "Nothing of it is stored" in dialogs[0]
    result = page.locator("#backtest-progress [data-role=result]")
    assert "cancelled by dash-operator while running" in result.inner_text()
    assert page.locator("#backtest-progress [data-role=cancel]").is_hidden()
    cancelled = BacktestRun.objects.get()
    page.wait_for_selector(f"#backtest-runs tr[data-run-id='{cancelled.pk}'][data-status=cancelled]")
    assert AuditEntry.objects.get(action="backtest.cancel").actor == "dash-operator"

    run_form_fill(page, strategy="ema_cross", symbols="SOLUSDT", start="2024-02-01", end="2024-02-04", tp_pct="0.5",
                  sl_pct="0.5")
    page.click("#backtest-form button[type=submit]")
    page.wait_for_selector("#backtest-progress [data-role=status]:has-text('done')", timeout=RUN_TIMEOUT_MS)
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.metrics, cancelled.trades.count()) == (BacktestStatus.CANCELLED, {}, 0)
    assert cancelled.progress_pct < 100, "the worker stopped the run where it was cancelled, not at its end"
