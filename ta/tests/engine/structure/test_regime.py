import numpy as np
import pandas as pd
import pytest

from ta.engine.candles import candles_read_csv
from ta.engine.structure.regime import (
    HIGH_VOLATILITY,
    RANGING,
    REGIMES,
    STATUS_INSUFFICIENT,
    TRENDING_DOWN,
    TRENDING_UP,
    UNCERTAIN,
    percentile_of_latest,
    regime_classify,
    regime_decide,
)


def _frame(close, spread):
    close = np.asarray(close, dtype=float)
    spread = np.broadcast_to(np.asarray(spread, dtype=float), close.shape)
    index = pd.date_range("2024-01-01", periods=close.size, freq="4h", tz="UTC")
    return pd.DataFrame({"open": close, "high": close + spread, "low": close - spread, "close": close,
                         "volume": 100.0}, index=index)


def _noise(bars, seed=3):
    return np.random.default_rng(seed).normal(0.0, 0.3, bars)


def test_a_steady_rise_is_trending_up_and_a_steady_fall_trending_down():
    steps = np.arange(200)
    assert regime_classify(_frame(100 + 0.8 * steps + _noise(200), 0.5)).regime == TRENDING_UP
    assert regime_classify(_frame(300 - 0.8 * steps + _noise(200), 0.5)).regime == TRENDING_DOWN


def test_a_sideways_market_is_ranging():
    close = 100 + 2.0 * np.sin(np.arange(200) / 3.0) + _noise(200)
    result = regime_classify(_frame(close, 0.5))
    assert result.regime == RANGING
    assert result.adx < 20


def test_a_trendless_volatility_burst_is_high_volatility():
    close = 100 + 2.0 * np.sin(np.arange(200) / 3.0)
    spread = np.full(200, 0.5)
    close[-6:] += np.array([6.0, -6.0, 6.0, -6.0, 6.0, -6.0])
    spread[-6:] = 6.0
    result = regime_classify(_frame(close, spread))
    assert result.regime == HIGH_VOLATILITY
    assert result.atr_pct_percentile >= 80


@pytest.mark.parametrize(
    ("values", "regime"),
    [
        ((30, 25, 10, 50, 50), TRENDING_UP),
        ((30, 10, 25, 50, 50), TRENDING_DOWN),
        ((25, 25, 10, 50, 50), UNCERTAIN),  # ADX must be strictly above 25
        ((30, 20, 20, 90, 50), HIGH_VOLATILITY),  # a DI tie is no trend
        ((22, 20, 10, 80, 10), HIGH_VOLATILITY),  # volatility first, then compression
        ((22, 20, 10, 50, 20), RANGING),  # compressed bands
        ((19.9, 20, 10, 50, 50), RANGING),
        ((22, 20, 10, 50, 50), UNCERTAIN),
    ],
)
def test_the_rules_apply_in_order(values, regime):
    adx_value, plus_di, minus_di, atr_percentile, bb_percentile = values
    assert regime_decide(adx_value=adx_value, plus_di=plus_di, minus_di=minus_di, atr_percentile=atr_percentile,
                         bb_percentile=bb_percentile) == regime


def test_percentile_counts_the_latest_against_its_own_history():
    assert percentile_of_latest(np.array([1.0, 2.0, 3.0, 4.0]), 4) == 100.0
    assert percentile_of_latest(np.array([4.0, 3.0, 2.0, 1.0]), 4) == 25.0
    assert percentile_of_latest(np.array([9.0, 1.0, 2.0]), 2) == 100.0  # only the last 2
    assert np.isnan(percentile_of_latest(np.array([1.0, np.nan]), 2))


def test_too_few_or_flat_candles_are_insufficient_and_uncertain():
    short = regime_classify(_frame(np.arange(100) + 100.0, 0.5))
    assert (short.status, short.regime) == (STATUS_INSUFFICIENT, UNCERTAIN)
    assert "127 needed" in short.reason
    flat = regime_classify(_frame(np.full(200, 100.0), 0.0))
    assert (flat.status, flat.regime) == (STATUS_INSUFFICIENT, UNCERTAIN)


@pytest.mark.klines
def test_real_coins_get_a_known_regime_and_not_all_the_same(klines_dir):
    found = set()
    for name in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRPUSDT", "LINKUSDT"):
        frame = candles_read_csv(str(klines_dir / f"{name}-1h.csv.gz"))
        for end in (400, 900, 1400, 1900):
            result = regime_classify(frame.iloc[end - 300:end])
            assert result.status == "ok" and result.regime in REGIMES
            found.add(result.regime)
    assert len(found) >= 3
