import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ta.engine.analysis import STATUS_INSUFFICIENT, symbol_analyse
from ta.engine.candles import candles_read_csv
from ta.tests.engine.conftest import frame_of

RULES = {"60+": 7, "default": 5}
REPO = Path(__file__).resolve().parents[3]

# The seed's Output Schema example (platform-v3), verbatim.
SEED_EXAMPLE = {
    "symbol": "BTCUSDT",
    "timestamp": "2026-03-01T12:00:00Z",
    "ema_ribbon": {"state_5m": "bullish", "state_1h": "bullish", "spread_5m": 72.5, "spread_1h": 85.3,
                   "values": [67200, 67150, 67050, 66900, 66700, 66400]},
    "ttm_squeeze": {"squeeze": True, "momentum": 0.45, "direction": "bullish", "bars_in_squeeze": 8,
                    "timeframe": "5m"},
    "stoch_rsi_divergence": {"divergence": "none", "strength": 0, "candles_ago": 0, "stoch_k": 45.2,
                             "stoch_d": 42.1},
    "composite_score_adjustment": {"long_bonus": 25, "short_bonus": 0,
                                   "reasoning": ["EMA ribbon bullish aligned (+10)", "TTM squeeze bullish (+15)"]},
}
NUMBER = (int, float)


def assert_same_shape(ours, seed, path="$"):
    """Same keys everywhere; same JSON type (numbers are numbers, ints where the seed means counts)."""
    if isinstance(seed, dict):
        assert isinstance(ours, dict) and set(ours) == set(seed), f"{path}: keys {set(ours) ^ set(seed)}"
        for key in seed:
            assert_same_shape(ours[key], seed[key], f"{path}.{key}")
    elif isinstance(seed, list):
        assert isinstance(ours, list), path
        for item in ours:
            assert_same_shape(item, seed[0], f"{path}[]")
    elif isinstance(seed, bool):
        assert isinstance(ours, bool), path
    elif isinstance(seed, NUMBER):
        assert isinstance(ours, NUMBER) and not isinstance(ours, bool), path
    else:
        assert isinstance(ours, type(seed)), path


@pytest.fixture(scope="session")
def sol_frames(klines_dir):
    frames = {tf: candles_read_csv(str(klines_dir / f"SOLUSDT-{tf}.csv.gz")) for tf in ("5m", "1h", "4h")}
    end = frames["5m"].index[20_000]
    return {tf: frame[frame.index <= end].iloc[-500:] for tf, frame in frames.items()}


@pytest.mark.klines
def test_output_follows_the_seed_schema_field_for_field(sol_frames):
    result = symbol_analyse(symbol="SOLUSDT", frames=sol_frames, leverage_rules=RULES, max_leverage=10)
    assert result.ok, result.reason
    assert_same_shape(result.ta_result, SEED_EXAMPLE)
    ta = result.ta_result
    assert ta["timestamp"] == sol_frames["5m"].index[-1].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(ta["ema_ribbon"]["values"]) == 6
    assert isinstance(ta["ttm_squeeze"]["bars_in_squeeze"], int)
    assert isinstance(ta["stoch_rsi_divergence"]["candles_ago"], int)
    assert ta["ema_ribbon"]["state_5m"] in {"bullish", "bearish", "mixed"}
    json.dumps(ta, allow_nan=False)


@pytest.mark.klines
def test_scan_entry_shows_base_and_ta_bonus_separately(sol_frames):
    scan = symbol_analyse(symbol="SOLUSDT", frames=sol_frames, leverage_rules=RULES, max_leverage=10).scan
    assert scan["long_total"] == scan["long_score"] + scan["ta_long_bonus"]
    assert scan["short_total"] == scan["short_score"] + scan["ta_short_bonus"]
    assert 0 <= scan["long_score"] <= 80 and 0 <= scan["short_score"] <= 80
    assert scan["suggested_leverage"] in (5, 7)
    assert scan["price"] == sol_frames["5m"]["close"].iloc[-1]
    assert scan["ribbon_4h"] in {"bullish", "bearish", "mixed"}
    reference = sol_frames["5m"]["close"].asof(sol_frames["5m"].index[-1] - pd.Timedelta(hours=24))
    assert scan["change_24h_pct"] == pytest.approx((scan["price"] / reference - 1) * 100, abs=0.01)


def synthetic(size=150, **overrides):
    rng = np.random.default_rng(7)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.003, size)))
    frames = {"5m": frame_of(close), "1h": frame_of(close, freq="1h"), "4h": frame_of(close, freq="4h")}
    frames.update(overrides)
    return frames


def test_synthetic_candles_analyse():
    assert symbol_analyse(symbol="X", frames=synthetic(), leverage_rules=RULES, max_leverage=10).ok


def with_nan_row(frame):
    frame = frame.copy()
    frame.iloc[70, frame.columns.get_loc("close")] = np.nan
    return frame


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        (synthetic(size=60), "5m: 60 candles, at least 100 needed"),
        (synthetic(**{"5m": with_nan_row(synthetic()["5m"])}), "5m: 1 candles with missing prices"),
        (synthetic(**{"1h": synthetic()["1h"].assign(volume=0.0)}), "1h: no traded volume"),
        (synthetic(**{"5m": frame_of(np.full(150, 3.0), high=np.full(150, 3.0), low=np.full(150, 3.0))}),
         "5m: flat prices (no price movement)"),
        ({"5m": synthetic()["5m"]}, "no 1h candles"),
        (synthetic(**{"5m": synthetic()["5m"].drop(columns="volume")}), "5m: candles lack columns: volume"),
    ],
)
def test_bad_candles_give_a_clear_insufficient_data_result(frames, reason):
    result = symbol_analyse(symbol="X", frames=frames, leverage_rules=RULES, max_leverage=10)
    assert (result.status, result.reason, result.ta_result) == (STATUS_INSUFFICIENT, reason, None)
    assert result.scan == {"symbol": "X", "status": STATUS_INSUFFICIENT, "reason": reason}


def test_a_bad_optional_4h_frame_does_not_stop_the_analysis():
    frames = synthetic(**{"4h": synthetic(size=20)["4h"]})
    result = symbol_analyse(symbol="X", frames=frames, leverage_rules=RULES, max_leverage=10)
    assert result.ok and result.scan["ribbon_4h"] is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    returns=st.lists(st.floats(-0.05, 0.05), min_size=100, max_size=160),
    zero_volume_every=st.integers(0, 7),
    wick=st.floats(0, 0.03),
)
def test_output_never_holds_nan(returns, zero_volume_every, wick):
    close = 50 * np.exp(np.cumsum(returns))
    volume = np.full(close.size, 10.0)
    if zero_volume_every:
        volume[::zero_volume_every] = 0.0
    frame = frame_of(close, high=close * (1 + wick), low=close * (1 - wick), volume=volume)
    result = symbol_analyse(symbol="X", frames={"5m": frame, "1h": frame}, leverage_rules=RULES, max_leverage=10)
    json.dumps(result.scan, allow_nan=False)
    if result.ok:
        json.dumps(result.ta_result, allow_nan=False)
        assert 0 <= result.ta_result["ema_ribbon"]["spread_5m"] <= 100
        assert np.isfinite(result.scan["bb_position"])
    else:
        assert result.reason


ENGINE_RUN = """
import json, sys
{block}
from ta.engine.analysis import symbol_analyse
from ta.engine.candles import candles_read_csv
frames = {{tf: candles_read_csv("{klines}/BTCUSDT-" + tf + ".csv.gz").iloc[:600] for tf in ("5m", "1h", "4h")}}
result = symbol_analyse(symbol="BTCUSDT", frames=frames, leverage_rules={{"default": 5}}, max_leverage=10)
print(json.dumps({{"ta": result.ta_result, "scan": result.scan, "talib_loaded": sys.modules.get("talib") is not None,
                  "pandas_ta_loaded": "pandas_ta" in sys.modules}}))
"""


def run_engine(klines_dir, *, block_talib: bool) -> dict:
    block = "sys.modules['talib'] = None  # as if TA-Lib were not installed" if block_talib else "import talib"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    completed = subprocess.run(
        [sys.executable, "-c", ENGINE_RUN.format(block=block, klines=klines_dir)],
        capture_output=True, text=True, env=env, check=True, timeout=120,
    )
    return json.loads(completed.stdout)


@pytest.mark.klines
def test_results_do_not_depend_on_whether_talib_is_installed(klines_dir):
    without = run_engine(klines_dir, block_talib=True)
    with_talib = run_engine(klines_dir, block_talib=False)
    assert with_talib["talib_loaded"] and not without["talib_loaded"]
    assert without["ta"] == with_talib["ta"] and without["scan"] == with_talib["scan"]
    assert without["ta"] is not None
