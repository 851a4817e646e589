"""``?currency=`` on the money endpoints: converted figures with the rate and its date; an unknown one is a 400."""

from decimal import Decimal

import pytest

from trader.tests.performance.test_live_metrics import record_book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_rates(settings):
    settings.FX_PROVIDER, settings.FX_FIXED_RATES, settings.FX_FIXED_RATES_DATE = "fixed", "CHF=0.80,EUR=0.92", \
        "2026-03-01"


def test_the_account_in_chf_converts_every_amount_and_names_the_rate(api, open_positions):
    usdt = api.get("/api/v1/account").json()
    chf = api.get("/api/v1/account?currency=CHF").json()
    assert usdt["currency"] == {"code": "USDT", "rate": "1", "date": None, "source": "base"}
    assert chf["currency"] == {"code": "CHF", "rate": "0.80", "date": "2026-03-01", "source": "fixed"}
    for name in ("equity", "available", "margin", "open_risk"):
        assert Decimal(chf[name]) == (Decimal(usdt[name]) * Decimal("0.80")).quantize(Decimal("0.01")), name
    scanner_usdt, scanner_chf = (body["allocation"]["strategies"]["scanner"] for body in (usdt, chf))
    assert Decimal(scanner_chf["risk"]) == (Decimal(scanner_usdt["risk"]) * Decimal("0.80")).quantize(
        Decimal("0.01"))
    assert chf["portfolio_heat_pct"] == usdt["portfolio_heat_pct"]  # a share of equity is the same in any currency


def test_the_performance_in_eur_converts_the_money_not_the_ratios(api):
    record_book()
    usdt = api.get("/api/v1/performance").json()["dry_run"]
    body = api.get("/api/v1/performance?currency=EUR").json()
    eur = body["dry_run"]
    assert body["currency"]["code"] == "EUR" and body["currency"]["date"] == "2026-03-01"
    assert eur["final_equity"] == pytest.approx(1080 * 0.92)
    assert eur["expectancy"] == pytest.approx(26.6667 * 0.92, abs=1e-4)
    assert eur["per_strategy"]["supertrend"]["pnl"] == pytest.approx(-20 * 0.92)
    assert eur["equity_curve"][0][1] == pytest.approx(1100 * 0.92)
    assert (eur["win_rate_pct"], eur["sharpe"], eur["max_drawdown_pct"]) == (
        usdt["win_rate_pct"], usdt["sharpe"], usdt["max_drawdown_pct"])


@pytest.mark.parametrize("path", ["/api/v1/account", "/api/v1/performance"])
def test_an_unknown_currency_is_a_400_that_names_the_choices(api, path):
    response = api.get(f"{path}?currency=GBP")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"currency": ['unknown currency "GBP": one of USDT, CHF, EUR']}


def test_an_unreachable_rate_source_is_a_503(api, settings):
    settings.FX_PROVIDER, settings.FX_ECB_URL, settings.FX_TIMEOUT_S = "ecb", "http://127.0.0.1:9/rates.xml", 1
    from django.core.cache import cache

    cache.clear()
    response = api.get("/api/v1/performance?currency=CHF")
    assert response.status_code == 503 and response.json()["error"]["code"] == "rates_unavailable"
    assert api.get("/api/v1/performance").status_code == 200  # USDT needs no rate
