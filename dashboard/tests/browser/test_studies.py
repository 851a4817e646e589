"""The backtests page in Chromium: a study started from the form finishes on the page, no reload; its page
shows the out-of-sample figures first and applies the recommendation after a confirmation; a running
study cancelled from the page stops and frees the slot for the next; a pending study or run is cancelled from
its own page."""

from __future__ import annotations

import pytest

from trader.models import AuditEntry, BacktestStatus, BacktestStudy

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
STUDY_TIMEOUT_MS = 90_000


def study_form_fill(page, *, symbols: str, folds: str, trials: str):
    """Fill the study form for a week of candles from the server's files; returns the form."""
    form = page.locator("#study-form")
    form.locator("input[name=symbols]").fill(symbols)
    form.locator("input[name=start]").fill("2024-03-01")
    form.locator("input[name=end]").fill("2024-03-07")
    form.locator("select[name=source]").select_option("files")
    form.locator("input[name=folds]").fill(folds)
    form.locator("input[name=trials]").fill(trials)
    return form


def test_a_study_started_from_the_page_shows_its_progress_then_is_applied_from_its_page(logged_in_page, klines_dir):
    page = logged_in_page.open("/backtests")
    page.evaluate("window.loadedOnce = true")
    form = study_form_fill(page, symbols="solusdt", folds="1", trials="0")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#study-form [data-error-for=trials]:has-text('greater than or equal to 1')")
    assert BacktestStudy.objects.count() == 0, "a refused request starts nothing"

    form.locator("input[name=trials]").fill("2")
    form.locator("input[name=min_trades]").fill("0")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#study-progress [data-role=status]:has-text('done')", timeout=STUDY_TIMEOUT_MS)
    study = BacktestStudy.objects.get()
    assert (study.status, study.origin) == (BacktestStatus.DONE, "page")
    result = page.locator("#study-progress [data-role=result]")
    assert "out of sample" in result.inner_text()
    page.wait_for_selector(f"#backtest-studies tr[data-study-id='{study.pk}'][data-status=done]")
    assert page.evaluate("window.loadedOnce") is True, "no reload"
    assert AuditEntry.objects.get(action="backtest.study_start").actor == "dash-operator"

    result.locator("a").click()
    page.wait_for_selector("#study-out-of-sample")
    headings = page.locator("h2").evaluate_all("headings => headings.map(h => h.textContent)")
    assert headings.index("Out of sample: the test windows") < headings.index("Train windows: what the search found")
    page.click("#study-apply")
    page.wait_for_selector("#confirm-study-apply[open]")
    assert "long_threshold" in page.locator("#study-apply-changes").inner_text()
    page.click("#confirm-study-apply button[value=ok]")
    page.wait_for_selector("#study-apply-result:has-text('Applied by dash-operator')")
    study.refresh_from_db()
    assert study.applied_at is not None
    assert AuditEntry.objects.get(action="backtest.study_apply").actor == "dash-operator"


def test_a_running_study_cancelled_from_the_page_stops_and_frees_the_slot(logged_in_page, klines_dir):
    page = logged_in_page.open("/backtests")
    form = study_form_fill(page, symbols="SOLUSDT", folds="2", trials="500")  # minutes of work: still running
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#study-progress [data-role=status]:has-text('running')", timeout=STUDY_TIMEOUT_MS)
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.click("#study-progress [data-role=cancel]")
    page.wait_for_selector("#study-progress [data-role=status]:has-text('cancelled')")
    assert "Cancel study" in dialogs[0] and "discarded" in dialogs[0]
    assert "cancelled by dash-operator while running" in page.locator("#study-progress [data-role=result]").inner_text()
    assert page.locator("#study-progress [data-role=cancel]").is_hidden()
    study = BacktestStudy.objects.get()
    page.wait_for_selector(f"#backtest-studies tr[data-study-id='{study.pk}'][data-status=cancelled]")
    assert (study.status, study.folds) == (BacktestStatus.CANCELLED, [])
    assert AuditEntry.objects.get(action="backtest.study_cancel").actor == "dash-operator"

    form.locator("input[name=trials]").fill("1")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#study-start-result:has-text('queued')")  # the one-study slot is free at once
    page.wait_for_selector("#study-progress [data-role=status]:has-text('done')", timeout=STUDY_TIMEOUT_MS)


def test_a_pending_study_and_a_pending_run_are_cancelled_from_their_own_pages(logged_in_page):
    from trader.models import BacktestRun
    from trader.tests.backtest.studies import backtest_study_stored

    study = BacktestStudy.objects.create(parameters=backtest_study_stored().parameters, status=BacktestStatus.PENDING)
    run = BacktestRun.objects.create(strategy="scanner", symbols=["SOLUSDT"], status=BacktestStatus.PENDING)
    for path, button, noun, job in ((f"/backtests/studies/{study.pk}", "#study-cancel", "study", study),
                                    (f"/backtests/{run.pk}", "#run-cancel", "run", run)):
        page = logged_in_page.open(path)
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.click(button)
        page.wait_for_timeout(300)
        job.refresh_from_db()
        assert job.status == BacktestStatus.PENDING, f"a dismissed confirm leaves the {noun} alone"

        dialogs = []
        page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        page.click(button)
        page.wait_for_selector(".notice-error:has-text('cancelled by dash-operator while pending at 0 %')")
        assert dialogs == [f"Cancel {noun} #{job.pk}? " + (
            "The windows searched so far are discarded." if noun == "study" else "Nothing of it is stored.")]
        assert page.locator(button).count() == 0, "a cancelled job has nothing left to cancel"
        job.refresh_from_db()
        assert job.status == BacktestStatus.CANCELLED
    assert [entry.action for entry in AuditEntry.objects.order_by("pk")] == ["backtest.study_cancel",
                                                                             "backtest.cancel"]
