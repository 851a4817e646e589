"""Converting the platform's USDT figures into another currency, with the quote shown beside them."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from config.logging import Category
from trader.fx.providers import (
    BASE,
    CURRENCIES,
    PAR,
    EcbRateProvider,
    FixedRateProvider,
    FxUnavailable,
    RateProvider,
    RateQuote,
    fixed_rates_parse,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


class UnknownCurrency(ValueError):
    """A currency the platform does not offer (the API answers 400)."""


def rate_provider() -> RateProvider:
    """The configured provider (``FX_PROVIDER``: ``fixed``, the default, or ``ecb``)."""
    if settings.FX_PROVIDER == "ecb":
        return EcbRateProvider(url=settings.FX_ECB_URL, cache_s=settings.FX_CACHE_S, timeout_s=settings.FX_TIMEOUT_S)
    return FixedRateProvider(rates=fixed_rates_parse(settings.FX_FIXED_RATES),
                             day=date.fromisoformat(settings.FX_FIXED_RATES_DATE))


def currency_checked(code: str | None) -> str:
    """``code`` upper-cased (USDT when None); ``UnknownCurrency`` naming the choices otherwise."""
    code = (code or BASE).upper()
    if code not in CURRENCIES:
        raise UnknownCurrency(f"unknown currency {code!r}: one of {', '.join(CURRENCIES)}")
    return code


def rate_quote(code: str | None, *, provider: RateProvider | None = None) -> RateQuote:
    """The quote of ``code`` (USDT: 1). ``UnknownCurrency`` for a currency not offered; ``FxUnavailable`` when
    the provider cannot answer or has no rate for it."""
    code = currency_checked(code)
    if code == BASE:
        return PAR
    quotes = (provider or rate_provider()).rates()
    if code not in quotes:
        raise FxUnavailable(f"no {code} rate from the {(provider or rate_provider()).name} rate source")
    return quotes[code]


def quotes_offered(*, provider: RateProvider | None = None) -> list[RateQuote]:
    """The quote of every offered currency the provider can give now, USDT first (USDT alone when it fails)."""
    try:
        quotes = (provider or rate_provider()).rates()
    except FxUnavailable as error:
        logger.warning("currency rates unavailable: %s", error, extra={"category": Category.SYSTEM})
        return [PAR]
    return [PAR, *(quotes[code] for code in CURRENCIES if code != BASE and code in quotes)]


def amount_convert(value: Any, quote: RateQuote) -> Any:
    """A USDT amount (Decimal, float, number string or None) in ``quote``'s currency, of the same kind:
    a Decimal to the cent, a float to 2 places or 4 when it had more, None stays None."""
    if value is None or quote.rate == 1:
        return value
    if isinstance(value, float):
        return round(value * float(quote.rate), 4)
    converted = Decimal(str(value)) * quote.rate
    return converted.quantize(CENT) if isinstance(value, Decimal) else str(converted.quantize(CENT))


def figures_convert(data: dict[str, Any], *, fields: tuple[str, ...], quote: RateQuote) -> dict[str, Any]:
    """``data`` with each of ``fields`` (USDT amounts) converted by ``quote`` (a copy; other keys as they are)."""
    return {**data, **{name: amount_convert(data[name], quote) for name in fields if name in data}}
