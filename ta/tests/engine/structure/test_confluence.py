import math

from ta.engine.structure.confluence import confluence_score
from ta.engine.structure.fibonacci import fib_setup
from ta.engine.structure.levels import levels_detect
from ta.engine.structure.order_blocks import BEARISH, BULLISH, OrderBlock
from ta.engine.structure.signals import confidence, risk_reward
from ta.engine.structure.swings import HIGH, LOW, SwingPoint


def _point(index, price, kind):
    return SwingPoint(index=index, open_time_ns=index, price=price, kind=kind, strength=5)


# An up-leg 99.5 -> 110.5 (long entry zone 102.58-102.8), two old highs at 102.7/102.75 now
# below price (support), and a lower low 100.5 -> 99.5 (structure does not agree).
SWINGS = [_point(1, 97.0, LOW), _point(3, 102.7, HIGH), _point(5, 102.75, HIGH), _point(6, 100.5, LOW),
          _point(8, 99.5, LOW), _point(10, 110.5, HIGH)]
HIGHER_LOW = [point for point in SWINGS if point.index != 6]


def _score(*, close=103.2, rsi=25.0, blocks=(), swings=SWINGS):
    setup = fib_setup(swings=list(swings), close=close)
    levels = levels_detect(swings=list(swings), close=close, atr=0.4)
    return confluence_score(setup=setup, levels=levels, blocks=list(blocks), swings=list(swings), rsi=rsi,
                            tolerance=0.2)


def test_every_factor_agreeing_scores_100_in_the_seeds_order():
    block = OrderBlock(kind=BULLISH, low=102.0, high=102.9, index=9, open_time_ns=9)
    result = _score(blocks=[block], swings=HIGHER_LOW)
    assert result.market_score == 100
    assert result.codes == ["OB", "SR", "RSI", "FIB", "SWING"]


def test_each_factor_counts_its_weight():
    base = _score()
    assert base.codes == ["SR", "RSI", "FIB"]
    assert base.market_score == 25 + 15 + 20
    assert _score(rsi=35.0).market_score == 25 + 8 + 20  # RSI only weak: partial points
    assert _score(rsi=55.0).codes == ["SR", "FIB"]
    assert _score(rsi=math.nan).codes == ["SR", "FIB"]
    assert _score(close=106.0).market_score == 25 + 15 + 10  # pullback only started


def test_an_order_block_of_the_other_side_or_elsewhere_does_not_count():
    wrong_side = OrderBlock(kind=BEARISH, low=102.0, high=102.9, index=9, open_time_ns=9)
    far = OrderBlock(kind=BULLISH, low=95.0, high=96.0, index=9, open_time_ns=9)
    assert "OB" not in _score(blocks=[wrong_side, far]).codes


def test_risk_reward_and_confidence():
    assert risk_reward(entry=100.0, stop=98.0, target=105.0) == 2.5
    assert risk_reward(entry=100.0, stop=100.0, target=105.0) == 0.0
    assert confidence(market_score=100, risk_reward_ratio=3.0) == 100.0
    assert confidence(market_score=95, risk_reward_ratio=2.5) == 91.5  # 66.5 + 25
    assert confidence(market_score=0, risk_reward_ratio=0.0) == 0.0
