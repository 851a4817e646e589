"""The structure reads, shaped as the API's response bodies (seed trading-support example response)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ta.models import MarketRegime, SRLevel, SwingPoint, Symbol
from ta.structure_selectors import (
    price_round,
    regime_latest,
    regimes_latest,
    signal_latest,
    signals_list,
    signals_summary,
    sr_levels,
    swings,
)
from ta.testing.signals import T0, trading_signal_create

pytestmark = pytest.mark.django_db

SEED_EXAMPLE_FIELDS = [
    "symbol", "market_score", "direction", "price", "entry1", "entry2", "sl", "tp1", "tp2", "tp3", "swing_high",
    "swing_low", "support_level", "resistance_level", "confluence", "risk_reward_ratio", "confidence_score",
]
_signal = trading_signal_create


def test_a_signal_has_the_seeds_example_fields_in_its_order():
    _signal()
    (body,) = signals_list()
    assert list(body)[: len(SEED_EXAMPLE_FIELDS)] == SEED_EXAMPLE_FIELDS
    assert body == {
        "symbol": "BTCUSDT", "market_score": 95, "direction": "long", "price": 102244.0, "entry1": 101716.8,
        "entry2": 101651.28, "sl": 101061.6, "tp1": 102372.0, "tp2": 102758.57, "tp3": 103236.86,
        "swing_high": 104010.0, "swing_low": 100734.0, "support_level": 101582.0, "resistance_level": None,
        "confluence": "OB,SR,RSI", "risk_reward_ratio": 2.32, "confidence_score": 87.5, "timeframe": "1h",
        "state": "approaching", "timestamp": "2024-06-01T12:00:00Z",
    }


def test_signals_filter_by_symbol_direction_and_limit_newest_first():
    _signal("BTCUSDT", "long", 0)
    _signal("ETHUSDT", "short", 1)
    _signal("BTCUSDT", "short", 2)
    assert [(s["symbol"], s["direction"]) for s in signals_list()] == [
        ("BTCUSDT", "short"), ("ETHUSDT", "short"), ("BTCUSDT", "long")]
    assert [s["direction"] for s in signals_list(symbol="btcusdt")] == ["short", "long"]
    assert [s["symbol"] for s in signals_list(direction="short")] == ["BTCUSDT", "ETHUSDT"]
    assert len(signals_list(limit=1)) == 1
    assert signals_list(symbol="BTCUSDT", direction="long", limit=10)[0]["direction"] == "long"
    with pytest.raises(ValueError, match="long or short"):
        signals_list(direction="up")
    with pytest.raises(ValueError, match="limit"):
        signals_list(limit=0)


def test_latest_signal_of_a_symbol():
    _signal("BTCUSDT", "long", 0)
    _signal("BTCUSDT", "short", 5, timeframe="4h")
    assert (signal_latest(symbol="BTCUSDT")["direction"], signal_latest(symbol="BTCUSDT")["timeframe"]) == (
        "short", "4h")
    assert signal_latest(symbol="ETHUSDT") is None


def test_summary_counts_and_averages():
    _signal("BTCUSDT", "long", 0, score=90)
    _signal("BTCUSDT", "short", 1, score=50, state="invalidated")
    _signal("ETHUSDT", "short", 2, score=70)
    assert signals_summary() == {
        "total_signals": 3, "long_signals": 1, "short_signals": 2, "active_signals": 2,
        "avg_market_score": 70.0, "avg_confidence_score": 87.5, "latest_signal_at": "2024-06-01T12:02:00Z",
        "symbols": [
            {"symbol": "BTCUSDT", "signals": 2, "active_signals": 1, "avg_market_score": 70.0},
            {"symbol": "ETHUSDT", "signals": 1, "active_signals": 1, "avg_market_score": 70.0},
        ],
    }


def test_an_empty_summary():
    assert signals_summary()["total_signals"] == 0 and signals_summary()["avg_market_score"] is None


def test_sr_levels_of_a_series_lowest_first():
    btc = Symbol.objects.get(symbol="BTCUSDT")
    for price, kind in ((105000.0, "resistance"), (100000.0, "support")):
        SRLevel.objects.create(symbol=btc, timeframe="1h", price=price, zone_low=price - 50, zone_high=price + 50,
                               kind=kind, origin=kind, touches=3, strength=75, is_active=True, first_touch_at=T0,
                               last_touch_at=T0, computed_at=T0)
    body = sr_levels(symbol="BTCUSDT", timeframe="1h")
    assert [(level["price"], level["type"], level["touches"], level["strength"]) for level in body["levels"]] == [
        (100000.0, "support", 3, 75), (105000.0, "resistance", 3, 75)]
    assert (body["symbol"], body["timeframe"], body["computed_at"]) == ("BTCUSDT", "1h", "2024-06-01T12:00:00Z")
    assert sr_levels(symbol="BTCUSDT", timeframe="4h")["levels"] == []
    assert sr_levels(symbol="NOPEUSDT") is None
    with pytest.raises(ValueError, match="timeframe"):
        sr_levels(symbol="BTCUSDT", timeframe="2d")


def test_swings_newest_first_with_a_limit():
    btc = Symbol.objects.get(symbol="BTCUSDT")
    for hours, kind, price in ((1, "low", 99.5), (2, "high", 110.5), (3, "low", 100.5)):
        SwingPoint.objects.create(symbol=btc, timeframe="1h", open_time=T0 + timedelta(hours=hours), kind=kind,
                                  price=price, strength=5, detected_at=T0)
    body = swings(symbol="BTCUSDT", timeframe="1h", limit=2)
    assert body == {"symbol": "BTCUSDT", "timeframe": "1h", "swings": [
        {"timestamp": "2024-06-01T15:00:00Z", "type": "low", "price": 100.5, "strength": 5},
        {"timestamp": "2024-06-01T14:00:00Z", "type": "high", "price": 110.5, "strength": 5},
    ]}
    assert swings(symbol="NOPEUSDT", timeframe="1h") is None


def test_regimes_per_symbol_with_the_seeds_strategy():
    for symbol, regime in (("BTCUSDT", "trending_up"), ("ETHUSDT", "uncertain")):
        MarketRegime.objects.create(symbol=Symbol.objects.get(symbol=symbol), timeframe="1h", regime=regime,
                                    status="ok", adx=31.234, plus_di=30.0, minus_di=12.0, atr_pct=0.81234,
                                    atr_pct_percentile=55.0, bb_width=0.021, bb_width_percentile=40.0,
                                    compressed=False, candle_time=T0, computed_at=T0)
    rows = regimes_latest(timeframe="1h")
    assert [(row["symbol"], row["regime"], row["strategy"]) for row in rows] == [
        ("BTCUSDT", "trending_up", "supertrend"), ("ETHUSDT", "uncertain", None)]
    assert regime_latest(symbol="BTCUSDT", timeframe="1h")["adx"] == 31.23
    assert regime_latest(symbol="BTCUSDT", timeframe="4h") is None


def test_prices_keep_eight_significant_digits_at_any_scale():
    assert price_round(101716.80000000001) == 101716.8
    assert price_round(6.734160000000001e-06) == 6.73416e-06
    assert price_round(None) is None
