from ta.engine.divergence import NO_DIVERGENCE, Divergence
from ta.engine.ema import RibbonState
from ta.engine.squeeze import SqueezeState
from ta.engine.ta_bonus import ta_bonus


def ribbon(state):
    return RibbonState(state=state, spread=50.0, values=(1.0,) * 6)


def squeeze(*, fired, direction, on=False):
    return SqueezeState(squeeze=on, fired=fired, momentum=1.0 if direction == "bullish" else -1.0,
                        direction=direction, bars_in_squeeze=5 if fired or on else 0)


def test_every_long_contribution_with_the_seed_reasoning():
    bonus = ta_bonus(ribbon_5m=ribbon("bullish"), ribbon_1h=ribbon("bullish"),
                     squeeze=squeeze(fired=True, direction="bullish"),
                     divergence=Divergence("bullish", 12.0, 5))
    assert (bonus.long_bonus, bonus.short_bonus) == (45, 0)
    assert bonus.reasoning == [
        "EMA ribbon bullish aligned (+10)",
        "TTM squeeze bullish (+15)",
        "Stoch RSI bullish divergence (+20)",
    ]


def test_short_contributions_and_the_seed_example_sum():
    bonus = ta_bonus(ribbon_5m=ribbon("bearish"), ribbon_1h=ribbon("bearish"),
                     squeeze=squeeze(fired=True, direction="bearish"), divergence=NO_DIVERGENCE)
    assert (bonus.long_bonus, bonus.short_bonus) == (0, 25)
    assert bonus.reasoning == ["EMA ribbon bearish aligned (+10)", "TTM squeeze bearish (+15)"]


def test_ribbons_must_agree_and_a_squeeze_still_on_has_not_fired():
    bonus = ta_bonus(ribbon_5m=ribbon("bullish"), ribbon_1h=ribbon("mixed"),
                     squeeze=squeeze(fired=False, direction="bullish", on=True), divergence=NO_DIVERGENCE)
    assert (bonus.long_bonus, bonus.short_bonus, bonus.reasoning) == (0, 0, [])


def test_contributions_split_by_direction():
    bonus = ta_bonus(ribbon_5m=ribbon("bullish"), ribbon_1h=ribbon("bullish"),
                     squeeze=squeeze(fired=True, direction="bearish"),
                     divergence=Divergence("bearish", 3.0, 4))
    assert (bonus.long_bonus, bonus.short_bonus) == (10, 35)
