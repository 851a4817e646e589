"""The symbol page in Chromium: the open interest, CVD and long/short ratio panels under the chart,
drawn from the stored derivatives rows, their time axis following the chart's; and an honest "no
data" where nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.tests.browser.conftest import off_loop
from dashboard.tests.conftest import scan_real_candles
from dashboard.tests.test_pages import store_derivatives

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RANGES_JS = """() => {
  const main = window.symbolCharts.main.timeScale().getVisibleLogicalRange();
  return [main, ...window.symbolCharts.panels.map(p => p.timeScale().getVisibleLogicalRange())]
    .map(r => [Math.round(r.from * 100) / 100, Math.round(r.to * 100) / 100]);
}"""


def _stored(klines_dir) -> None:
    from dashboard.symbol_selectors import symbol_detail

    scan_real_candles(klines_dir, ("BTCUSDT", "ETHUSDT"))
    candles = symbol_detail(symbol="BTCUSDT", timeframe="5m")["chart"]["candles"]
    store_derivatives("BTCUSDT", [datetime.fromtimestamp(c["time"], tz=UTC) for c in candles[-120:]])


def test_the_symbol_page_shows_the_derivatives_panels_synced_with_the_chart(transactional_db, klines_dir,
                                                                           logged_in_page):
    off_loop(_stored, klines_dir)
    page = logged_in_page.open("/symbol/BTCUSDT")
    for panel, points in (("oi", "120"), ("cvd", "120"), ("ratios", "360")):
        page.wait_for_selector(f"#panel-{panel} canvas")
        assert page.get_attribute(f"#panel-{panel}", "data-points") == points, panel
    assert page.locator(".derivs-panels .no-data").count() == 0
    ranges = page.evaluate(RANGES_JS)
    assert len(ranges) == 4 and all(r == ranges[0] for r in ranges), ranges
    page.evaluate("() => window.symbolCharts.main.timeScale().setVisibleLogicalRange({from: 150, to: 250})")
    page.wait_for_function("""() => { const r = window.symbolCharts.panels[2].timeScale().getVisibleLogicalRange();
                                      return Math.abs(r.from - 150) < 0.01 && Math.abs(r.to - 250) < 0.01; }""")
    ranges = page.evaluate(RANGES_JS)
    assert all(r == [150, 250] for r in ranges), ranges
    box = page.locator("#panel-oi").bounding_box()
    chart_box = page.locator("#chart").bounding_box()
    assert box["y"] > chart_box["y"] + chart_box["height"] - 1, "the panels are under the chart"
    assert abs(box["width"] - chart_box["width"]) < 2, "as wide as the chart, so the time axes line up"
    plot_widths = page.evaluate("""() => [window.symbolCharts.main, ...window.symbolCharts.panels]
      .map(c => c.timeScale().width())""")
    assert len(set(plot_widths)) == 1, f"every plot area as wide as the chart's: {plot_widths}"
    logged_in_page.screenshot("symbol-derivatives")

    page = logged_in_page.open("/symbol/ETHUSDT")  # nothing stored for ETH
    assert page.locator(".derivs-panels .no-data").all_inner_texts() == [
        "No open interest stored for this span yet.", "No CVD stored for this span yet.",
        "No long/short ratios stored for this span yet."]
    assert page.locator("#panel-oi canvas").count() == 0
    assert logged_in_page.console_errors == []
