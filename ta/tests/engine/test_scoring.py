import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta.engine.scoring import MAX_SCORE, ScanInputs, leverage_rules_parse, leverage_suggest, scanner_score

RULES = {"60+": 7, "default": 5}


def test_worked_example_oversold_dip_scores_long():
    """docs/SCORING.md example 1."""
    score = scanner_score(
        inputs=ScanInputs(rsi=27.4, vwap_deviation_pct=-1.35, bb_position=0.08, change_24h_pct=-5.2, volume_ratio=2.3)
    )
    assert score.long_score == 15 + 10 + 10 + 10 + 10 == 55
    assert score.short_score == 0
    assert score.long_reasons == [
        "RSI 27.4 oversold (<=30) (+15)",
        "Price -1.35% below VWAP (<=-1%) (+10)",
        "BB position 0.08 near lower band (<=0.15) (+10)",
        "24h change -5.20% dip (<=-4%) (+10)",
        "Volume 2.3x the 8h average confirms (>=2x) (+10)",
    ]
    assert score.direction == "long"


def test_worked_example_blow_off_top_scores_the_maximum_short():
    """docs/SCORING.md example 2."""
    score = scanner_score(
        inputs=ScanInputs(rsi=78.0, vwap_deviation_pct=2.6, bb_position=1.12, change_24h_pct=9.5, volume_ratio=3.4)
    )
    assert (score.long_score, score.short_score) == (0, MAX_SCORE)
    assert len(score.short_reasons) == 5


def test_worked_example_quiet_coin_scores_nothing_and_volume_alone_gives_no_points():
    """docs/SCORING.md example 3."""
    score = scanner_score(
        inputs=ScanInputs(rsi=52.0, vwap_deviation_pct=0.1, bb_position=0.55, change_24h_pct=0.8, volume_ratio=4.0)
    )
    assert (score.long_score, score.short_score, score.direction) == (0, 0, "neutral")
    assert score.long_reasons == score.short_reasons == []


def test_unknown_24h_change_and_volume_award_nothing():
    score = scanner_score(
        inputs=ScanInputs(rsi=20.0, vwap_deviation_pct=-3.0, bb_position=-0.2, change_24h_pct=None, volume_ratio=None)
    )
    assert score.long_score == 20 + 15 + 15


@given(
    rsi=st.floats(0, 100),
    deviation=st.floats(-50, 50),
    position=st.floats(-5, 5),
    change=st.none() | st.floats(-90, 500),
    ratio=st.none() | st.floats(0, 1000),
)
def test_scores_stay_within_0_80_and_every_point_has_a_reason(rsi, deviation, position, change, ratio):
    score = scanner_score(
        inputs=ScanInputs(rsi=rsi, vwap_deviation_pct=deviation, bb_position=position, change_24h_pct=change,
                          volume_ratio=ratio)
    )
    for value, reasons in ((score.long_score, score.long_reasons), (score.short_score, score.short_reasons)):
        assert 0 <= value <= MAX_SCORE
        assert sum(int(reason.rsplit("(+", 1)[1].rstrip(")")) for reason in reasons) == value


@pytest.mark.parametrize(("score", "leverage"), [(59.9, 5), (60, 7), (80, 7), (0, 5)])
def test_leverage_follows_the_config_brackets(score, leverage):
    assert leverage_suggest(score=score, rules=RULES, max_leverage=10) == leverage


def test_leverage_is_capped_by_max_leverage_and_picks_the_highest_bracket_reached():
    rules = {"50+": 8, "70+": 15, "default": 3}
    assert leverage_suggest(score=75, rules=rules, max_leverage=10) == 10
    assert leverage_suggest(score=55, rules=rules, max_leverage=10) == 8


@pytest.mark.parametrize("rules", [{"60+": 7}, {"sixty": 7, "default": 5}, {"default": 0}])
def test_malformed_rules_are_refused(rules):
    with pytest.raises(ValueError):
        leverage_rules_parse(rules)


def test_derivatives_factors_add_their_points_and_reasons_and_keep_the_cap():
    from ta.engine.derivatives import DerivativesFactor

    held = [DerivativesFactor("LS", 5, 5, "long/short ratio 0.50 (crowded shorts)"),
            DerivativesFactor("FUND", 0, 5, "no data: funding rate unknown")]
    inputs = ScanInputs(rsi=27.4, vwap_deviation_pct=-1.35, bb_position=0.08, change_24h_pct=-5.2, volume_ratio=2.3)
    seed = scanner_score(inputs=inputs)
    score = scanner_score(inputs=inputs, derivatives={"long": held, "short": []})
    assert score.long_score == seed.long_score + 5 and score.short_score == seed.short_score
    assert score.long_reasons[-2:] == ["LS: long/short ratio 0.50 (crowded shorts) (+5)",
                                       "FUND: no data: funding rate unknown (+0)"]
    extreme = ScanInputs(rsi=10.0, vwap_deviation_pct=-5.0, bb_position=-0.5, change_24h_pct=-12.0, volume_ratio=4.0)
    assert scanner_score(inputs=extreme).long_score == MAX_SCORE
    assert scanner_score(inputs=extreme, derivatives={"long": held}).long_score == MAX_SCORE, "capped at 80"
