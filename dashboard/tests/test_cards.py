"""Card display values: squeeze dot, ribbon colour, divergence, thresholds, prices, signal age."""

from __future__ import annotations

import pytest

from dashboard.cards import coin_card, price_text, signal_age_text, squeeze_state

COIN = {"symbol": "BTCUSDT", "status": "ok", "price": 67694.12, "long_score": 50, "short_score": 10,
        "ta_long_bonus": 25, "ta_short_bonus": 0, "squeeze_fired": False}
TA = {"ema_ribbon": {"state_5m": "bullish", "spread_5m": 72.5}, "ttm_squeeze": {"squeeze": False},
      "stoch_rsi_divergence": {"divergence": "bullish"}}


@pytest.mark.parametrize(("squeeze", "fired", "state"), [
    ({"squeeze": True}, False, "on"), ({"squeeze": False}, True, "fired"), ({"squeeze": False}, False, "none"),
    (None, False, "none"),
])
def test_squeeze_dot(squeeze, fired, state):
    assert squeeze_state(squeeze, fired=fired) == state


@pytest.mark.parametrize(("state", "colour"), [("bullish", "green"), ("bearish", "red"), ("mixed", "yellow")])
def test_ribbon_colour(state, colour):
    card = coin_card(COIN, ta={**TA, "ema_ribbon": {"state_5m": state}}, signals=[], long_threshold=45,
                     short_threshold=50)
    assert card["ribbon_class"] == colour


def test_scores_against_thresholds_and_the_ta_bonus_added_separately():
    card = coin_card(COIN, ta=TA, signals=[], long_threshold=45, short_threshold=50)
    assert (card["long_score"], card["ta_long_bonus"], card["long_total"]) == (50, 25, 75)
    assert card["long_hot"] and not card["short_hot"]
    assert card["tip_long"] == "Composite score (0-80). Signal threshold: 45"
    assert card["divergence"] == "bullish"
    assert coin_card(COIN, ta=TA, signals=[], long_threshold=51, short_threshold=50)["long_hot"] is False


def test_the_strongest_active_signal_of_the_coin_gives_its_age():
    signals = [{"symbol": "BTCUSDT", "direction": "long", "score": 50, "ageSeconds": 7500, "stale": True},
               {"symbol": "ETHUSDT", "direction": "long", "score": 70, "ageSeconds": 10, "stale": False}]
    card = coin_card(COIN, ta=TA, signals=signals, long_threshold=45, short_threshold=50)
    assert card["signal"]["stale"] is True and card["signal_age"] == "2h05m"


def test_texts():
    assert [price_text(p) for p in (67694.123, 3791.06, 0.159650, None)] == ["67694.12", "3791.06", "0.15965", "-"]
    assert [signal_age_text(s) for s in (45, 720, 3600)] == ["45s", "12m", "1h00m"]


def test_payload_times_read_as_utc():
    from dashboard.templatetags.dashboard_format import when

    assert when("2026-03-01T13:00:05.123+01:00") == "03-01 12:00:05 UTC"
    assert when(None) == "never" and when("soon") == "soon"


def test_the_regime_badge_says_what_the_structure_engine_saw():
    regime = {"regime": "trending_up", "strategy": "pullback", "adx": 31.2, "atr_pct_percentile": 55.0,
              "bb_width_percentile": 60.0}
    card = coin_card(COIN, ta=TA, signals=[], long_threshold=45, short_threshold=50, regime=regime)
    assert (card["regime_text"], card["regime_class"]) == ("trending up", "green")
    assert card["tip_regime"].startswith("Market regime (1h): trending up. ADX 31.2")
    assert coin_card(COIN, ta=TA, signals=[], long_threshold=45, short_threshold=50)["regime"] is None


def test_the_derivatives_line_formats_open_interest_and_funding_or_says_no_data():
    from dashboard.cards import derivatives_line, money_short_text

    line = derivatives_line({"open_interest_value": "5498765432.1", "open_interest_change_24h_pct": -3.42,
                             "funding_rate": "0.0006"})
    assert (line["oi_text"], line["oi_change_text"], line["oi_change_class"]) == ("$5.50B", "-3.4%", "down")
    assert (line["funding_text"], line["funding_class"]) == ("+0.0600%", "down")  # longs pay a lot: red
    assert derivatives_line({"funding_rate": "-0.0005"})["funding_class"] == "up"
    assert derivatives_line({"open_interest_value": "812345678"})["funding_text"] == "-"
    assert derivatives_line(None) is None
    assert derivatives_line({"cvd": "5", "open_interest_value": None, "funding_rate": None}) is None
    assert [money_short_text(v) for v in (812_345_678, 45_200, 950)] == ["$812.3M", "$45.2K", "$950"]
