"""/symbols, /candles/{symbol}, /ta/{symbol}, /scan."""

import pytest
from django.utils import timezone

from ta.models import Symbol, TAResult

pytestmark = pytest.mark.django_db

TA_PAYLOAD = {"symbol": "BTCUSDT", "timestamp": "2026-03-01T12:00:00Z", "ema_ribbon": {"state_5m": "bullish"},
              "ttm_squeeze": {"squeeze": True}, "stoch_rsi_divergence": {"divergence": "none"},
              "composite_score_adjustment": {"long_bonus": 10, "short_bonus": 0, "reasoning": ["EMA (+10)"]}}


def test_symbols_are_the_enabled_coins(api):
    symbols = api.get("/api/v1/symbols").json()
    assert len(symbols) == 29 and symbols[0] == "BTCUSDT"
    Symbol.objects.filter(symbol="ETHUSDT").update(enabled=False)
    assert "ETHUSDT" not in api.get("/api/v1/symbols").json()


def test_candles_answer_the_newest_as_decimal_strings(api, market):
    market.price("BTCUSDT", "50123.45")
    candles = api.get("/api/v1/candles/BTCUSDT", {"timeframe": "5m", "limit": 10}).json()
    assert len(candles) == 1
    assert (candles[0]["close"], candles[0]["is_closed"]) == ("50123.45", False)
    assert api.get("/api/v1/candles/BTCUSDT", {"timeframe": "1h"}).json() == []


@pytest.mark.parametrize(("path", "query", "status"), [
    ("/api/v1/candles/FOOUSDT", {}, 404),
    ("/api/v1/candles/BTCUSDT", {"timeframe": "7m"}, 400),
    ("/api/v1/candles/BTCUSDT", {"limit": 0}, 400),
    ("/api/v1/candles/BTCUSDT", {"limit": "many"}, 400),
])
def test_bad_candle_requests(api, path, query, status):
    response = api.get(path, query)
    assert response.status_code == status
    assert response.json()["error"]["status"] == status


def test_ta_result_is_the_seed_json(api):
    assert api.get("/api/v1/ta/BTCUSDT").status_code == 404
    TAResult.objects.create(symbol=Symbol.objects.get(symbol="BTCUSDT"), candle_time=timezone.now(),
                            computed_at=timezone.now(), payload=TA_PAYLOAD)
    assert api.get("/api/v1/ta/BTCUSDT").json() == TA_PAYLOAD
    assert api.get("/api/v1/ta/NOPEUSDT").status_code == 404


def test_scan_lists_every_scored_coin(api, market):
    market.scan("BTCUSDT", long=52)
    market.scan("ETHUSDT", short=61)
    assert sorted(entry["symbol"] for entry in api.get("/api/v1/scan").json()) == ["BTCUSDT", "ETHUSDT"]
