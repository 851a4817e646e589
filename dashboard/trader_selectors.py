"""Reads of the trader page that are not part of the live payload: history, logs, the config form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from trader.models import CycleLog, Decision, EntryOrder, Trade, TraderConfig
from trader.performance_selectors import performance_by_mode
from trader.selectors import config_history
from trader.services.config import config_get

HISTORY_LIMIT = 50
LIST_FIELDS = ("coin_whitelist", "coin_blacklist")  # symbol lists: edited as "BTCUSDT, ETHUSDT"


def config_fields() -> list[dict[str, Any]]:
    """Every editable config field for the form: name, input kind, current value, help, bounds."""
    config = config_get()
    fields = []
    for name in TraderConfig.editable_field_names():
        field = TraderConfig._meta.get_field(name)
        value = getattr(config, name)
        if isinstance(field, models.BooleanField):
            kind = "checkbox"
        elif field.choices:
            kind = "select"
        elif name in LIST_FIELDS:
            kind = "list"
        elif isinstance(field, models.JSONField):
            kind = "json"
        else:
            kind = "number"
        fields.append({
            "name": name, "label": name.replace("_", " "), "kind": kind, "help": str(field.help_text),
            "value": value, "choices": list(field.choices or []),
            "step": f"{Decimal(1).scaleb(-field.decimal_places)}" if isinstance(field, models.DecimalField) else "1",
            "json": _json_text(value) if kind == "json" else "",
            "list": ", ".join(value) if kind == "list" else "",
        })
    return fields


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value)


def trades_closed(*, limit: int = HISTORY_LIMIT) -> list[Trade]:
    """Recently closed trades, newest first."""
    return list(Trade.objects.filter(closed_at__isnull=False).order_by("-closed_at")[:limit])


def trades_recent(*, limit: int = HISTORY_LIMIT) -> list[Trade]:
    """Every open or close, newest activity first (the trade log)."""
    return list(Trade.objects.order_by(models.F("closed_at").desc(nulls_first=True), "-opened_at")[:limit])


def entry_orders_recent(*, limit: int = HISTORY_LIMIT) -> list[EntryOrder]:
    """The order manager's entry orders, newest first (state, fills, re-prices, the stop's fate)."""
    return list(EntryOrder.objects.order_by("-created_at", "-id")[:limit])


def decisions_recent(*, limit: int = HISTORY_LIMIT) -> list[Decision]:
    """Each candidate of the latest cycles with why it was or was not traded, newest first."""
    return list(Decision.objects.order_by("-at", "-id")[:limit])


def cycles_recent(*, limit: int = HISTORY_LIMIT) -> list[CycleLog]:
    """The latest cycle summaries, newest first."""
    return list(CycleLog.objects.order_by("-started_at")[:limit])


CURVE_WIDTH, CURVE_HEIGHT = 120, 30


def curve_points(curve: list[list]) -> str:
    """An equity curve ``[[time, equity], ...]`` as the ``points`` of a 120 x 30 SVG polyline ("" under 2 points)."""
    values = [float(point[1]) for point in curve]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = CURVE_WIDTH / (len(values) - 1)
    return " ".join(f"{index * step:.1f},{CURVE_HEIGHT - (value - low) / span * CURVE_HEIGHT:.1f}"
                    for index, value in enumerate(values))


def performance_context() -> dict[str, Any]:
    """The live and dry-run books of the config's venue, each with its figures (None before its first
    cycle) and its equity curve as SVG points."""
    venue = config_get().venue
    books = [{"mode": mode, "figures": figures,
              "curve_points": curve_points(figures["equity_curve"]) if figures else ""}
             for mode, figures in performance_by_mode(venue=venue).items()]
    return {"venue": venue, "books": books}


def trader_page_context() -> dict[str, Any]:
    """Everything the trader page lists below its live parts."""
    return {
        "performance": performance_context(),
        "config_fields": config_fields(),
        "config_history": config_history(limit=HISTORY_LIMIT),
        "trades_closed": trades_closed(),
        "trades_recent": trades_recent(),
        "decisions": decisions_recent(),
        "entry_orders": entry_orders_recent(),
        "cycles": cycles_recent(),
    }
