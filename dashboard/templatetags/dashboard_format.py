"""Template filters of the dashboard: payload timestamps (ISO strings) in a readable UTC form."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django import template

register = template.Library()
CENT = Decimal("0.01")


@register.filter
def when(value: str | None) -> str:
    """``2026-03-01T12:00:05.123+00:00`` -> ``03-01 12:00:05 UTC``; ``never`` for none; unparsable as is."""
    if not value:
        return "never"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%m-%d %H:%M:%S} UTC"


@register.filter
def label(name: str) -> str:
    """A metric's key as a label: ``total_return_pct`` -> ``total return %``."""
    return str(name).replace("_pct", " %").replace("_", " ")


@register.simple_tag
def money(value: object) -> str:
    """A USDT amount with 2 decimals and its unit."""
    return f"{Decimal(str(value)).quantize(CENT)} USDT"
