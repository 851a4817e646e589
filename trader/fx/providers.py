"""Rate providers behind one interface (as Saleor's payment gateways: one protocol, a dummy for tests).

A provider answers ``rates()``: for each currency it knows, how many units of it one USDT
buys, with the date the rate is for and where it came from. USDT is taken at par with
USD (a stablecoin's peg; no market rate of USDT itself is used).

- ``FixedRateProvider`` (the default): rates from the settings (``FX_FIXED_RATES``,
  dated ``FX_FIXED_RATES_DATE``), offline; for the demo and the tests.
- ``EcbRateProvider``: the ECB's daily euro reference rates (``FX_ECB_URL``, the
  ``eurofxref-daily.xml`` document: EUR against USD, CHF, ...), converted to per-USD.
  Fetched at most once per ``FX_CACHE_S`` (Django's cache), never on a failed read:
  ``FxUnavailable`` then says why.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple, Protocol

import httpx

from config.logging import Category

logger = logging.getLogger(__name__)

BASE = "USDT"
CURRENCIES = ("USDT", "CHF", "EUR")  # what the pages and the API offer
RATE_PLACES = Decimal("0.000001")


class FxUnavailable(Exception):
    """The rate source could not be read (network, parse); the message says why."""


class RateQuote(NamedTuple):
    """One USDT is worth ``rate`` units of ``currency`` on ``day`` (by ``source``)."""

    currency: str
    rate: Decimal
    day: date | None
    source: str

    def as_dict(self) -> dict:
        return {"code": self.currency, "rate": self.rate, "date": self.day.isoformat() if self.day else None,
                "source": self.source}


PAR = RateQuote(BASE, Decimal(1), None, "base")


class RateProvider(Protocol):
    name: str

    def rates(self) -> dict[str, RateQuote]:
        """Every currency this provider knows (USDT included at 1). ``FxUnavailable`` when it cannot answer."""
        ...


def fixed_rates_parse(text: str) -> dict[str, Decimal]:
    """``"CHF=0.80,EUR=0.92"`` -> ``{"CHF": Decimal("0.80"), ...}``; ValueError naming the bad part."""
    rates = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        code, _, value = part.partition("=")
        try:
            rate = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{part!r} is not CODE=rate, e.g. CHF=0.80") from None
        if not code.strip().isalpha() or not rate > 0:
            raise ValueError(f"{part!r} is not CODE=rate with a positive rate, e.g. CHF=0.80")
        rates[code.strip().upper()] = rate
    return rates


class FixedRateProvider:
    """Rates from configuration, offline (the default)."""

    name = "fixed"

    def __init__(self, *, rates: dict[str, Decimal], day: date | None) -> None:
        self._quotes = {BASE: PAR, **{code: RateQuote(code, rate, day, self.name) for code, rate in rates.items()}}

    def rates(self) -> dict[str, RateQuote]:
        return dict(self._quotes)


# The document's two element shapes, read as text: no XML parser (and none of its entity expansion)
# touches what a remote host sent.
ECB_DAY = re.compile(r"<Cube\s+time=['\"](\d{4}-\d{2}-\d{2})['\"]")
ECB_RATE = re.compile(r"<Cube\s+currency=['\"]([A-Z]{3})['\"]\s+rate=['\"]([0-9.]+)['\"]")


def ecb_rates_parse(xml_text: str) -> dict[str, RateQuote]:
    """The ECB's daily document as per-USDT quotes (USDT = USD): EUR = 1 / (EUR->USD), X = (EUR->X) / (EUR->USD)."""
    day_match = ECB_DAY.search(xml_text)
    if day_match is None:
        raise FxUnavailable("the ECB document has no dated rates")
    try:
        day = date.fromisoformat(day_match[1])
        per_eur = {code: Decimal(rate) for code, rate in ECB_RATE.findall(xml_text)}
    except (ValueError, InvalidOperation) as error:
        raise FxUnavailable(f"the ECB document could not be read: {error}") from None
    usd = per_eur.get("USD")
    if not usd:
        raise FxUnavailable("the ECB document has no USD rate")
    quotes = {BASE: PAR, "EUR": RateQuote("EUR", (1 / usd).quantize(RATE_PLACES), day, "ecb")}
    for code, rate in per_eur.items():
        if code != "USD":
            quotes[code] = RateQuote(code, (rate / usd).quantize(RATE_PLACES), day, "ecb")
    return quotes


class EcbRateProvider:
    """The ECB's daily reference rates from ``url``, cached ``cache_s`` seconds in Django's cache."""

    name = "ecb"

    def __init__(self, *, url: str, cache_s: int, timeout_s: float) -> None:
        self.url, self.cache_s, self.timeout_s = url, cache_s, timeout_s

    def rates(self) -> dict[str, RateQuote]:
        from django.core.cache import cache

        from config.bus.schema import key_fx_rates

        key = key_fx_rates(self.name)
        cached = cache.get(key)
        if cached is not None:
            return {code: RateQuote(*values) for code, values in cached.items()}
        try:
            response = httpx.get(self.url, timeout=self.timeout_s)
            response.raise_for_status()
        except httpx.HTTPError as error:
            logger.warning("ECB reference rates not read: %s", error, extra={"category": Category.SYSTEM})
            raise FxUnavailable(f"the ECB reference rates could not be fetched: {error}") from None
        quotes = ecb_rates_parse(response.text)
        cache.set(key, {code: tuple(quote) for code, quote in quotes.items()}, self.cache_s)
        return quotes
