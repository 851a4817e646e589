"""The live regions of each page as HTML, rendered from the payload by the same partial
templates as the first load; ``dashboard.live`` renders them once per event for every socket."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from dashboard import tooltips
from dashboard.cards import coin_cards
from dashboard.trader_selectors import trader_page_context
from trader.fx.convert import quotes_offered

PAGES = ("scanner", "trader", "symbol", "settings", "backtests", "signals")

SCANNER_REGIONS = {"coin-cards": "dashboard/partials/coin_cards.html"}
TRADER_REGIONS = {
    "trader-controls": "dashboard/partials/trader_controls.html",
    "positions": "dashboard/partials/positions.html",
    "account": "dashboard/partials/account.html",
    "history": "dashboard/partials/history.html",
    "performance": "dashboard/partials/performance.html",
    "activity": "dashboard/partials/activity.html",
    "config-history": "dashboard/partials/config_history.html",
}
BACKTESTS_REGIONS = {"backtest-runs": "dashboard/partials/backtest_runs.html",
                     "backtest-studies-region": "dashboard/partials/backtest_studies.html"}
SIGNALS_REGIONS = {"signal-rows": "dashboard/partials/signal_rows.html"}
COMMON_REGIONS = {"header-status": "dashboard/partials/header_status.html",
                  "error-log": "dashboard/partials/errors.html"}


def page_context(*, page: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The template context of ``page``'s live regions."""
    context: dict[str, Any] = {"payload": payload, "tips": tooltips, "page": page}
    if page == "scanner":
        context["cards"] = coin_cards(payload)
    if page == "trader":
        context.update(trader_page_context())
        context["fx"] = quotes_offered()  # every figure is rendered in each currency; the viewer picks one
        context["positions"] = list(payload["positions"].values())
    if page == "backtests":
        from trader.backtest.selectors import backtest_runs_list, backtest_studies_list

        context["runs"] = backtest_runs_list()
        context["studies"] = backtest_studies_list()
    if page == "signals":
        from ta.structure_selectors import signals_latest_per_symbol

        context["signals"] = signals_latest_per_symbol()
        context["signal_columns"] = tooltips.SIGNAL_COLUMNS
    return context


def page_fragments(*, page: str, payload: dict[str, Any]) -> dict[str, str]:
    """``{element id: html}`` of every live region of ``page`` (unknown pages: the common ones)."""
    context = page_context(page=page, payload=payload)
    regions = dict(COMMON_REGIONS)
    regions.update({"scanner": SCANNER_REGIONS, "trader": TRADER_REGIONS, "backtests": BACKTESTS_REGIONS,
                    "signals": SIGNALS_REGIONS}.get(page, {}))
    return {element_id: render_to_string(template, context) for element_id, template in regions.items()}
