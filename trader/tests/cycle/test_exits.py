"""Exit arithmetic: TP and SL are % of margin; the trailing stop never gives back a made stop."""

from decimal import Decimal as D

import pytest

from trader.cycle.exits import exit_decide, pnl_pct_of_margin, price_at_pnl_pct, protective_levels

KW = {"tp_pct": D("5"), "sl_pct": D("3"), "trailing_stop": False}


def test_pnl_is_price_move_times_leverage():
    assert pnl_pct_of_margin(side="long", entry_price=D("100"), price=D("101"), leverage=5) == D("5")
    assert pnl_pct_of_margin(side="short", entry_price=D("100"), price=D("101"), leverage=5) == D("-5")


def test_price_at_pnl_inverts_pnl():
    price = price_at_pnl_pct(side="short", entry_price=D("200"), pnl_pct=D("-3"), leverage=10)
    assert price == D("200.6")
    assert pnl_pct_of_margin(side="short", entry_price=D("200"), price=price, leverage=10) == D("-3")


@pytest.mark.parametrize(("side", "price", "reason"), [
    ("long", "101", "tp"), ("long", "99.4", "sl"), ("long", "100.5", None),
    ("short", "99", "tp"), ("short", "100.6", "sl"), ("short", "100.2", None),
])
def test_tp_and_sl_at_5_and_3_percent_of_margin_at_5x(side, price, reason):
    decision = exit_decide(side=side, entry_price=D("100"), price=D(price), leverage=5, best_price=None, **KW)
    assert decision.reason == reason


def test_trailing_stop_follows_the_best_price_once_the_gain_reaches_the_stop_distance():
    kw = {**KW, "trailing_stop": True}
    # Best 100.8 at 5x = +4 % of margin: the stop trails at +1 % (price 100.2).
    hold = exit_decide(side="long", entry_price=D("100"), price=D("100.3"), leverage=5, best_price=D("100.8"), **kw)
    assert hold.reason is None
    hit = exit_decide(side="long", entry_price=D("100"), price=D("100.2"), leverage=5, best_price=D("100.8"), **kw)
    assert hit.reason == "trailing"
    # Without trailing, the same price only holds.
    assert exit_decide(side="long", entry_price=D("100"), price=D("100.2"), leverage=5,
                       best_price=D("100.8"), **KW).reason is None


def test_trailing_is_inactive_before_the_gain_reaches_the_stop_distance():
    levels = protective_levels(side="short", entry_price=D("100"), leverage=5, best_price=D("99.5"),
                               tp_pct=D("5"), sl_pct=D("3"), trailing_stop=True)
    assert not levels.trailing_active and levels.stop_loss == D("100.6")
    levels = protective_levels(side="short", entry_price=D("100"), leverage=5, best_price=D("99.2"),
                               tp_pct=D("5"), sl_pct=D("3"), trailing_stop=True)
    assert levels.trailing_active and levels.stop_loss == D("99.8")
