import numpy as np
import pytest

from ta.engine.atr import atr
from ta.engine.candles import candles_from_frame
from ta.engine.structure.order_blocks import BEARISH, BULLISH, order_blocks_detect
from ta.tests.engine.structure.series import frame_from_close


def _blocks(close, open_):
    candles = candles_from_frame(frame_from_close(np.asarray(close, float), open_=np.asarray(open_, float)))
    return order_blocks_detect(open_=candles.open, high=candles.high, low=candles.low, close=candles.close,
                               atr=atr(candles.high, candles.low, candles.close), open_time_ns=candles.open_time_ns)


def _quiet(bars=30):
    close = 100.0 + 0.2 * np.sin(np.arange(bars))
    return list(close), list(close + 0.05 * np.cos(np.arange(bars)))


def test_the_last_down_candle_before_a_rally_is_a_bullish_order_block():
    close, open_ = _quiet()
    close += [99.8, 101.5, 103.0, 104.0]  # bar 30 is bearish (opens 100.2), then a displacement up
    open_ += [100.2, 99.8, 101.5, 103.0]
    blocks = _blocks(close, open_)
    assert [(block.kind, block.index, block.low, block.high) for block in blocks if block.index == 30] == [
        (BULLISH, 30, 99.3, 100.7)
    ]


def test_a_close_below_the_block_mitigates_it():
    close, open_ = _quiet()
    close += [99.8, 101.5, 103.0, 104.0, 101.0, 99.0]
    open_ += [100.2, 99.8, 101.5, 103.0, 104.0, 101.0]
    assert 30 not in [block.index for block in _blocks(close, open_)]


def test_the_last_up_candle_before_a_drop_is_a_bearish_order_block():
    close, open_ = _quiet()
    close += [100.2, 98.5, 97.0, 96.0]
    open_ += [99.8, 100.2, 98.5, 97.0]
    assert (BEARISH, 30) in [(block.kind, block.index) for block in _blocks(close, open_)]


def test_no_displacement_no_block_and_too_few_bars_no_error():
    close, open_ = _quiet()
    assert [block for block in _blocks(close, open_) if block.index >= 14] == []
    assert _blocks([100.0, 99.0], [99.0, 100.0]) == []


def _reference_blocks(open_, high, low, close, atr_values):
    """The definition bar by bar, written plainly (docs/STRUCTURE.md, "Order blocks")."""
    found = []
    for index in range(close.size - 1):
        if not np.isfinite(atr_values[index]) or atr_values[index] <= 0:
            continue
        following, later = close[index + 1:index + 4], close[index + 1:]
        if close[index] < open_[index] and following.max() >= high[index] + atr_values[index]:
            if not (later < low[index]).any():
                found.append((BULLISH, index))
        elif close[index] > open_[index] and following.min() <= low[index] - atr_values[index]:
            if not (later > high[index]).any():
                found.append((BEARISH, index))
    return found


@pytest.mark.klines
@pytest.mark.parametrize("name", ["BTCUSDT-5m", "SOLUSDT-4h", "PEPEUSDT-5m"])
def test_real_candles_give_exactly_the_blocks_of_the_definition(klines_dir, name):
    from ta.engine.candles import candles_read_csv

    candles = candles_from_frame(candles_read_csv(str(klines_dir / f"{name}.csv.gz")).iloc[-2000:])
    atr_values = atr(candles.high, candles.low, candles.close)
    expected = _reference_blocks(candles.open, candles.high, candles.low, candles.close, atr_values)
    newest = [block for block in expected if block[0] == BULLISH][-10:] + [
        block for block in expected if block[0] == BEARISH][-10:]
    blocks = order_blocks_detect(open_=candles.open, high=candles.high, low=candles.low, close=candles.close,
                                 atr=atr_values, open_time_ns=candles.open_time_ns)
    assert [(block.kind, block.index) for block in blocks] == sorted(newest, key=lambda block: block[1])
    assert blocks
