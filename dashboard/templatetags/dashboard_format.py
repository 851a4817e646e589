"""Template filters of the dashboard: payload timestamps (ISO strings) in a readable UTC form, prices plain."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django import template
from django.utils.html import format_html_join

from ta.selectors import decimal_plain
from trader.fx.providers import PAR

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


@register.simple_tag(takes_context=True)
def money(context: template.Context, value: object, places: int = 2) -> str:
    """A USDT amount in every currency of the context's ``fx`` quotes (trader.fx), ``places`` decimals and
    the unit, each in a ``data-ccy`` span: the page's currency selector shows one (CSS), so the one rendering
    of a live region serves every viewer whatever they chose. USDT alone without quotes."""
    if value is None or value == "":
        return "\u2013"
    amount, step = Decimal(str(value)), Decimal(1).scaleb(-places)
    quotes = context.get("fx") or [PAR]
    return format_html_join("", '<span data-ccy="{}">{} {}</span>', (
        (quote.currency, (amount * quote.rate).quantize(step), quote.currency) for quote in quotes))


@register.simple_tag(takes_context=True)
def fx_rates(context: template.Context) -> str:
    """The rate and its date of each non-USDT currency, in the same ``data-ccy`` spans as ``money``."""
    return format_html_join("", '<span data-ccy="{}" class="muted">1 USDT = {} {} ({} rate of {})</span>', (
        (quote.currency, quote.rate.normalize(), quote.currency, quote.source, quote.day)
        for quote in context.get("fx") or [] if quote.currency != PAR.currency))
