"""Template filters of the dashboard: payload timestamps (ISO strings) in a readable UTC form, prices plain."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django import template

from ta.selectors import decimal_plain

register = template.Library()


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


@register.filter
def plain(value: float | None) -> str:
    """An analysis price as written, never in exponent form: ``6.68e-06`` -> ``0.00000668``,
    ``102244.0`` -> ``102244``; an en dash for none."""
    if value is None:
        return "\u2013"
    return f"{decimal_plain(Decimal(repr(value))):f}"
