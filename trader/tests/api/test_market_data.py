"""/market-data/{symbol} (paged derivatives rows) and the derivatives' latest values in /scan and
/signals/{symbol}/latest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ta.models import DerivativesPoint, Symbol, TradingSignal

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def rows(symbol="BTCUSDT", *, period="1h", count=3, **values):
    btc = Symbol.objects.get(symbol=symbol)
    DerivativesPoint.objects.bulk_create(
        DerivativesPoint(symbol=btc, period=period, time=T0 + timedelta(hours=hour), source="binance_usdm",
                         open_interest_value=Decimal(1000 + hour), cvd=Decimal(-hour), **values)
        for hour in range(count))


def test_market_data_pages_the_rows_of_a_period_oldest_first(api):
    rows(count=3, funding_rate=Decimal("0.0001"))
    rows(period="5m", count=1)
    body = api.get("/api/v1/market-data/BTCUSDT", {"period": "1h", "page_size": 2}).json()
    assert body["count"] == 3 and body["next"]
    first = body["results"][0]
    assert first == {
        "time": "2026-03-01T00:00:00Z", "open_interest": None, "open_interest_value": "1000",
        "taker_buy_volume": None, "taker_sell_volume": None, "cvd": "0", "global_long_short_ratio": None,
        "top_long_short_account_ratio": None, "top_long_short_position_ratio": None, "funding_rate": "0.0001",
        "source": "binance_usdm"}
    assert api.get("/api/v1/market-data/BTCUSDT").json()["count"] == 1  # 5m by default
    window = api.get("/api/v1/market-data/BTCUSDT", {"period": "1h", "from": "2026-03-01T01:00:00Z",
                                                     "to": "2026-03-01T02:00:00Z"}).json()
    assert [row["time"] for row in window["results"]] == ["2026-03-01T01:00:00Z", "2026-03-01T02:00:00Z"]
    assert api.get("/api/v1/market-data/ETHUSDT", {"period": "1h"}).json()["count"] == 0


@pytest.mark.parametrize(("path", "query", "status", "field"), [
    ("/api/v1/market-data/BTCUSDT", {"period": "4h"}, 400, "period"),
    ("/api/v1/market-data/BTCUSDT", {"from": "yesterday"}, 400, "from"),
    ("/api/v1/market-data/BTCUSDT", {"to": "2026-13-01"}, 400, "to"),
    ("/api/v1/market-data/BTCUSDT", {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, 400, "from"),
    ("/api/v1/market-data/BTCUSDT", {"limit": "5"}, 400, "limit"),
    ("/api/v1/market-data/NOPEUSDT", {}, 404, None),
])
def test_bad_market_data_requests_are_clear(api, path, query, status, field):
    response = api.get(path, query)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["status"] == status
    if field:
        assert field in str(error)


def test_market_data_needs_auth(client):
    assert client.get("/api/v1/market-data/BTCUSDT").status_code in (401, 403)


def test_scan_items_carry_the_latest_derivatives_or_null(api, market):
    market.scan("BTCUSDT", long=52)
    market.scan("ETHUSDT", short=61)
    rows(period="5m", count=25, global_long_short_ratio=Decimal("1.84"))
    items = {item["symbol"]: item for item in api.get("/api/v1/scan").json()}
    btc = items["BTCUSDT"]["derivatives"]
    assert btc["time"] == "2026-03-02T00:00:00Z" and btc["open_interest_value"] == "1024"
    assert btc["global_long_short_ratio"] == "1.84" and btc["cvd"] == "-24"
    assert btc["open_interest_change_24h_pct"] == 2.4  # 1024 against 1000 a day before
    assert items["ETHUSDT"]["derivatives"] is None


def test_latest_signal_carries_the_derivatives_of_its_period(api):
    TradingSignal.objects.create(
        symbol=Symbol.objects.get(symbol="BTCUSDT"), timeframe="1h", direction="long", market_score=60, price=100,
        entry1=99, entry2=98.5, sl=97, tp1=101, tp2=102, tp3=103, swing_high=104, swing_low=96, confluence="SR",
        risk_reward_ratio=2.0, confidence_score=50.0, state="approaching", swing_high_time=T0,
        swing_low_time=T0 - timedelta(hours=5), candle_time=T0, created_at=T0, updated_at=T0)
    rows(period="1h", count=2, funding_rate=Decimal("-0.0006"))
    rows(period="5m", count=1)
    latest = api.get("/api/v1/signals/BTCUSDT/latest").json()
    assert latest["symbol"] == "BTCUSDT" and latest["market_score"] == 60
    assert latest["derivatives"]["period"] == "1h"
    assert latest["derivatives"]["funding_rate"] == "-0.0006"
    assert latest["derivatives"]["open_interest_value"] == "1001"
