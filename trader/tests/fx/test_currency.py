"""PnL in USDT, CHF and EUR: the fixed-rate provider (the default), the ECB's daily reference rates from a
loopback server, and the API's ``?currency=``."""

import threading
from datetime import date
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from trader.fx.convert import amount_convert, quotes_offered, rate_quote
from trader.fx.providers import EcbRateProvider, FixedRateProvider, FxUnavailable, fixed_rates_parse

ECB_DOCUMENT = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube><Cube time='2026-03-02'>
    <Cube currency='USD' rate='1.0800'/><Cube currency='JPY' rate='162.50'/><Cube currency='CHF' rate='0.9450'/>
  </Cube></Cube>
</gesmes:Envelope>"""


def test_the_fixed_rate_provider_converts_with_its_rate_and_date(settings):
    settings.FX_PROVIDER, settings.FX_FIXED_RATES, settings.FX_FIXED_RATES_DATE = "fixed", "CHF=0.80,EUR=0.92", \
        "2026-03-01"
    chf = rate_quote("CHF")
    assert (chf.rate, chf.day, chf.source) == (D("0.80"), date(2026, 3, 1), "fixed")
    assert amount_convert(D("1080.00"), chf) == D("864.00")
    assert amount_convert(26.6667, rate_quote("EUR")) == pytest.approx(24.5334)
    assert amount_convert(D("12.5"), rate_quote("USDT")) == D("12.5")  # USDT: as it is
    assert [q.currency for q in quotes_offered()] == ["USDT", "CHF", "EUR"]


def test_an_unknown_currency_or_rate_text_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="unknown currency 'GBP': one of USDT, CHF, EUR"):
        rate_quote("GBP", provider=FixedRateProvider(rates={}, day=None))
    with pytest.raises(FxUnavailable, match="no CHF rate"):
        rate_quote("CHF", provider=FixedRateProvider(rates={"EUR": D("0.9")}, day=None))
    with pytest.raises(ValueError, match="CODE=rate"):
        fixed_rates_parse("CHF=0.8,EUR=abc")


class EcbServer:
    """The ECB's daily document on loopback; ``hits`` counts the reads."""

    def __init__(self, body: str, status: int = 200) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                self.send_response(server.status)
                self.send_header("Content-Type", "text/xml")
                self.end_headers()
                self.wfile.write(server.body.encode())

            def log_message(self, *args):
                pass

        self.body, self.status, self.hits = body, status, 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/eurofxref-daily.xml"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def ecb():
    cache.clear()
    server = EcbServer(ECB_DOCUMENT)
    yield server
    server.close()
    cache.clear()


def test_the_ecb_provider_reads_the_daily_reference_rates_once_per_cache_period(ecb):
    provider = EcbRateProvider(url=ecb.url, cache_s=3600, timeout_s=2)
    quotes = provider.rates()
    # USDT at par with USD: 1 USD = 1 / 1.08 EUR = 0.925926 EUR and 0.945 / 1.08 = 0.875 CHF, on the ECB's day.
    assert (quotes["EUR"].rate, quotes["CHF"].rate, quotes["CHF"].day) == (D("0.925926"), D("0.875"),
                                                                          date(2026, 3, 2))
    assert provider.rates()["CHF"] == quotes["CHF"] and ecb.hits == 1  # the second answer is the cached one


def test_an_unreadable_rate_source_is_an_error_that_says_why(ecb):
    ecb.status = 500
    with pytest.raises(FxUnavailable, match="could not be fetched"):
        EcbRateProvider(url=ecb.url, cache_s=3600, timeout_s=2).rates()
    ecb.status, ecb.body = 200, "<html>maintenance</html>"
    with pytest.raises(FxUnavailable, match="no dated rates"):
        EcbRateProvider(url=ecb.url, cache_s=3600, timeout_s=2).rates()
