"""The structure-engine routes: signals, S/R levels, swings and regimes, on stored engine output."""

import pytest
from django.core.management import call_command

from ta.tests.analysis_data import candles_store

pytestmark = [pytest.mark.django_db, pytest.mark.klines]


@pytest.fixture
def api(client, django_user_model):
    user = django_user_model.objects.create_user("reader")
    client.force_login(user)
    return client


@pytest.fixture
def analysed(klines_dir):
    """BTCUSDT's real candles stored and every engine run on them (manage.py analyze)."""
    candles_store(klines_dir, "BTCUSDT")
    call_command("analyze", "BTCUSDT", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))


def test_swings_and_levels_of_an_analysed_symbol(api, analysed):
    swings = api.get("/api/v1/swings/BTCUSDT?timeframe=1h&limit=5").json()
    assert swings["symbol"] == "BTCUSDT" and swings["timeframe"] == "1h"
    assert 0 < len(swings["swings"]) <= 5
    assert {s["type"] for s in swings["swings"]} <= {"high", "low"}
    levels = api.get("/api/v1/sr-levels/BTCUSDT?timeframe=1h").json()
    assert levels["levels"] and {level["type"] for level in levels["levels"]} <= {"support", "resistance"}
    prices = [level["price"] for level in levels["levels"]]
    assert prices == sorted(prices)


def test_signals_list_summary_and_latest_agree(api, analysed):
    signals = api.get("/api/v1/signals?symbol=BTCUSDT&limit=10").json()
    summary = api.get("/api/v1/signals/summary").json()
    assert summary["total_signals"] == len(api.get("/api/v1/signals?limit=500").json())
    if signals:
        latest = api.get("/api/v1/signals/BTCUSDT/latest").json()
        assert latest.pop("derivatives") is None  # no derivatives stored: null, not zeros
        assert latest == signals[0]
    else:
        assert api.get("/api/v1/signals/BTCUSDT/latest").status_code == 404


def test_the_regime_of_a_coin_names_its_strategy(api, analysed):
    regime = api.get("/api/v1/regimes/BTCUSDT?timeframe=1h").json()
    assert regime["regime"] in {"trending_up", "trending_down", "ranging", "high_volatility", "uncertain"}
    assert "strategy" in regime
    assert any(row["symbol"] == "BTCUSDT" for row in api.get("/api/v1/regimes").json())


def test_bad_filters_are_400_and_unknown_symbols_404(api):
    assert api.get("/api/v1/signals?direction=sideways").status_code == 400
    assert api.get("/api/v1/swings/BTCUSDT?timeframe=2h").status_code == 400
    assert api.get("/api/v1/sr-levels/NOPEUSDT").status_code == 404


def test_structure_routes_need_auth(client):
    assert client.get("/api/v1/signals").status_code == 401
