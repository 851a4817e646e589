"""Controls read at a glance, and the open error log never covers what the operator works with."""

from __future__ import annotations

import logging

import pytest

from dashboard.tests.browser.conftest import DESKTOP, PHONE, off_loop
from dashboard.tests.conftest import scan_real_candles

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

COVERED_JS = """(selector) => {
  const covered = [];
  for (const element of document.querySelectorAll(selector)) {
    if (element.offsetParent === null) { continue; }  // not shown (another tab)
    element.scrollIntoView({block: "end"});  // the bottom edge of the screen: where a docked panel sits
    const box = element.getBoundingClientRect();
    const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!(top === element || element.contains(top))) {
      covered.push((element.name || element.id || element.textContent.trim().slice(0, 30) || element.tagName)
                   + " under " + (top ? (top.id || top.className || top.tagName) : "nothing"));
    }
  }
  return covered;
}"""


@pytest.fixture
def scanned_committed(transactional_db, klines_dir):
    off_loop(scan_real_candles, klines_dir, ("BTCUSDT", "ETHUSDT"))


def _open_error_log(page) -> None:
    off_loop(logging.getLogger("trader.cycle").error, "an error so the panel has something to show")
    page.wait_for_selector("#error-log:not([hidden])")
    page.wait_for_selector("#error-log :text('an error so the panel has something to show')")


def test_the_trader_page_shows_the_mode_once_and_the_other_modes_as_actions(logged_in_page):
    page = logged_in_page.open("/trader")
    controls = page.locator("#trader-controls")
    assert controls.locator("[data-role=mode]").inner_text().strip().lower() == "paused"
    assert controls.locator("button[data-mode=paused]").count() == 0, "the current mode is a state, not a button"
    assert controls.locator("button[data-mode=dry-run]").inner_text() == "Switch to dry-run"
    assert controls.locator("button[data-mode=live]").inner_text() == "Switch to live…"
    assert controls.inner_text().lower().count("paused") == 1, "the current mode appears once"
    emergency = controls.locator(".emergency button[data-action=emergency-stop]")
    assert emergency.count() == 1, "the emergency stop stands apart from the mode actions"
    assert controls.locator(".mode-actions [data-action=emergency-stop]").count() == 0


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_open_error_log_covers_no_form_field_or_panel(scanned_committed, logged_in_page, viewport):
    page = logged_in_page.page
    page.set_viewport_size(viewport)
    logged_in_page.open("/trader")
    _open_error_log(page)
    assert page.evaluate(COVERED_JS, "#config-form input, #config-form select, #config-form textarea, "
                                     "#config-form button, #trader-controls button") == []
    logged_in_page.open("/symbol/BTCUSDT")
    _open_error_log(page)
    assert page.evaluate(COVERED_JS, "main section.panel, main section.panel h2, #symbol-select") == []
    page.click("#error-jump")  # the header's pill leads to the log
    assert page.locator("#error-log").is_visible()
    page.set_viewport_size(DESKTOP)


def test_the_header_pills_say_what_they_measure_and_what_to_do(logged_in_page):
    page = logged_in_page.open("/trader")
    exchange = page.locator("#header-status .light").first
    data = page.locator("#data-age")
    assert exchange.inner_text() == "exchange off", "paused: no exchange calls, said plainly"
    assert data.inner_text() == "no data yet"
    for pill in (exchange, data):
        tip = pill.get_attribute("data-tip")
        assert "Green:" in tip and "Grey" in tip and "worker and beat" in tip, tip
