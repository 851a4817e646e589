import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta.engine.candles import candles_from_frame, candles_read_csv
from ta.engine.strategies import LONG, SHORT, STRATEGIES, strategy_for_regime, strategy_get, strategy_names
from ta.engine.strategies.supertrend import supertrend_direction
from ta.engine.structure.regime import REGIMES

FREQ = "5min"


def _frame(close, spread=0.5, volume=100.0):
    close = np.asarray(close, dtype=float)
    spread = np.broadcast_to(np.asarray(spread, dtype=float), close.shape)
    index = pd.date_range("2024-01-01", periods=close.size, freq=FREQ, tz="UTC")
    return pd.DataFrame({"open": close, "high": close + spread, "low": close - spread, "close": close,
                         "volume": volume}, index=index)


def _signals(strategy, frame, start):
    return {end: strategy.generate_signal(frame.iloc[:end]) for end in range(start, len(frame) + 1)}


def test_the_registry_holds_the_four_strategies_scanner_first():
    assert strategy_names() == ["scanner", "supertrend", "squeeze_breakout", "mean_reversion"]
    assert strategy_get("supertrend", multiplier=2.0).parameters["multiplier"] == 2.0
    with pytest.raises(KeyError, match="known: scanner"):
        strategy_get("martingale")


def test_the_seeds_regime_mapping():
    assert {regime: strategy_for_regime(regime) for regime in REGIMES} == {
        "trending_up": "supertrend", "trending_down": "supertrend", "ranging": "mean_reversion",
        "high_volatility": "squeeze_breakout", "uncertain": None,
    }
    assert strategy_for_regime("nonsense") is None


def test_supertrend_signals_exactly_where_its_trend_flips():
    close = np.concatenate((np.linspace(150, 100, 60), np.linspace(100, 150, 60)))
    frame = _frame(close + np.random.default_rng(1).normal(0, 0.2, close.size))
    signals = {end: signal for end, signal in _signals(strategy_get("supertrend"), frame, 40).items() if signal}
    candles = candles_from_frame(frame)
    direction = supertrend_direction(candles.high, candles.low, candles.close)
    flips = [index + 1 for index in range(40, close.size) if direction[index] != direction[index - 1]]
    assert sorted(signals) == flips
    first_after_bottom = signals[min(end for end in signals if end > 60)]
    assert first_after_bottom.side == LONG
    assert first_after_bottom.stop_loss < first_after_bottom.entry_price


def test_squeeze_breakout_goes_long_when_a_long_squeeze_fires_upward():
    quiet = 100 + 0.3 * np.sin(np.arange(80) / 2.0)
    close = np.concatenate((quiet, quiet[-1] + np.cumsum(np.full(10, 1.5))))
    frame = _frame(close, spread=1.0)
    signals = [signal for signal in _signals(strategy_get("squeeze_breakout"), frame, 60).values() if signal]
    assert signals, "the squeeze never fired"
    assert signals[0].side == LONG and signals[0].stop_loss < signals[0].entry_price
    assert signals[0].strength >= 40 + 5 * 6


def test_mean_reversion_fades_a_plunge_below_the_band():
    close = np.concatenate((100 + 0.3 * np.sin(np.arange(60)), 100 - np.cumsum(np.full(5, 2.0))))
    signal = strategy_get("mean_reversion").generate_signal(_frame(close))
    assert signal is not None and signal.side == LONG
    rally = np.concatenate((100 + 0.3 * np.sin(np.arange(60)), 100 + np.cumsum(np.full(5, 2.0))))
    assert strategy_get("mean_reversion").generate_signal(_frame(rally)).side == SHORT
    assert strategy_get("mean_reversion").generate_signal(_frame(100 + 0.3 * np.sin(np.arange(65)))) is None


@pytest.mark.klines
def test_the_scanner_strategy_scores_exactly_like_the_scan(klines_dir):
    from ta.engine.analysis import symbol_analyse
    from ta.tests.analysis_data import real_frames

    frames = real_frames(klines_dir, "BTCUSDT")
    scan = symbol_analyse(symbol="BTCUSDT", frames=frames, leverage_rules={"default": 5}, max_leverage=10).scan
    strategy = strategy_get("scanner", long_threshold=0, short_threshold=0)
    signal = strategy.generate_signal(frames["5m"])
    best = max(scan["long_score"], scan["short_score"])
    if scan["direction"] == "neutral":
        assert signal is None
    else:
        assert signal.side == scan["direction"]
        assert signal.strength == pytest.approx(best / 80 * 100)
        assert signal.reason == "; ".join(scan[f"{scan['direction']}_reasons"])


def test_the_scanner_strategy_stop_is_the_traders_margin_stop():
    strategy = strategy_get("scanner")  # sl 3 % of margin at 5x = 0.6 % of price
    assert strategy.get_stop_loss(100.0, LONG) == pytest.approx(99.4)
    assert strategy.get_stop_loss(100.0, SHORT) == pytest.approx(100.6)


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_bad_candles_give_no_signal_never_an_error(name):
    strategy = strategy_get(name)
    assert strategy.generate_signal(_frame(np.full(5, 100.0))) is None
    assert strategy.generate_signal(_frame(np.full(200, 100.0), spread=0.0)) is None
    with_nan = _frame(100 + np.sin(np.arange(200)))
    with_nan.iloc[150, 3] = np.nan
    assert strategy.generate_signal(with_nan) is None
    assert strategy.generate_signal(pd.DataFrame({"close": [1.0]})) is None
    assert isinstance(strategy.parameters, dict) and strategy.parameters


@pytest.mark.parametrize("name", ["supertrend", "squeeze_breakout", "mean_reversion"])
def test_atr_stops_need_candles_and_a_known_side(name):
    strategy = strategy_get(name)
    frame = _frame(100 + np.sin(np.arange(60)))
    with pytest.raises(ValueError, match="side"):
        strategy.get_stop_loss(100.0, "up", data=frame)
    with pytest.raises(ValueError, match="ATR"):
        strategy.get_stop_loss(100.0, LONG, data=frame.iloc[:5])


@settings(max_examples=30, deadline=None)
@given(returns=st.lists(st.floats(min_value=-0.03, max_value=0.03), min_size=150, max_size=250),
       name=st.sampled_from(sorted(STRATEGIES)))
def test_every_signal_has_its_stop_on_the_losing_side_and_strength_0_100(returns, name):
    close = 100.0 * np.cumprod(1.0 + np.asarray(returns))
    frame = _frame(close, spread=close * 0.004, volume=np.linspace(50, 500, close.size))
    strategy = strategy_get(name, long_threshold=10, short_threshold=10) if name == "scanner" else strategy_get(name)
    for end in range(len(frame) - 20, len(frame) + 1):
        signal = strategy.generate_signal(frame.iloc[:end])
        if signal is None:
            continue
        assert 0.0 <= signal.strength <= 100.0
        if signal.side == LONG:
            assert signal.stop_loss < signal.entry_price
        else:
            assert signal.stop_loss > signal.entry_price
        assert signal.stop_loss == pytest.approx(strategy.get_stop_loss(signal.entry_price, signal.side,
                                                                         data=frame.iloc[:end]))


@pytest.mark.klines
@pytest.mark.parametrize("name", list(STRATEGIES))
def test_strategies_trade_both_sides_on_real_candles(klines_dir, name):
    frame = candles_read_csv(str(klines_dir / "ETHUSDT-5m.csv.gz")).iloc[:2300]
    sides = set()
    strategy = strategy_get(name)
    for end in range(300, len(frame), 2):
        signal = strategy.generate_signal(frame.iloc[end - 300:end])
        if signal:
            sides.add(signal.side)
            assert signal.strategy == name
    assert sides == {LONG, SHORT}


@pytest.mark.klines
def test_supertrend_direction_matches_pandas_ta_on_real_candles(klines_dir):
    import pandas_ta

    frame = candles_read_csv(str(klines_dir / "BTCUSDT-1h.csv.gz")).iloc[:2000]
    reference = pandas_ta.supertrend(frame.high, frame.low, frame.close, length=10, multiplier=3.0)
    mine = supertrend_direction(frame.high.to_numpy(), frame.low.to_numpy(), frame.close.to_numpy())
    assert np.array_equal(mine[50:], reference["SUPERTd_10_3.0"].to_numpy()[50:].astype(int))


def test_which_strategies_may_open_a_position():
    from ta.engine.strategies import strategies_allowed, strategy_names_validate

    assert strategies_allowed(allowed=["scanner"]) == ["scanner"]
    assert strategies_allowed(allowed=["scanner", "supertrend"], regime="ranging") == ["scanner", "supertrend"]
    everything = strategy_names()
    assert strategies_allowed(allowed=everything, regime="trending_down", use_regime_mapping=True) == ["supertrend"]
    assert strategies_allowed(allowed=everything, regime="high_volatility", use_regime_mapping=True) == [
        "squeeze_breakout"]
    assert strategies_allowed(allowed=["scanner"], regime="ranging", use_regime_mapping=True) == []
    assert strategies_allowed(allowed=everything, regime="uncertain", use_regime_mapping=True) == []
    assert strategies_allowed(allowed=everything, regime=None, use_regime_mapping=True) == []
    assert strategy_names_validate(["scanner", "scanner", "supertrend"]) == ["scanner", "supertrend"]
    with pytest.raises(ValueError, match="unknown strategy grid"):
        strategy_names_validate(["scanner", "grid"])
