"""The order manager's pure decisions (shared by the live cycle and the backtester)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from coinex.simulator.markets import default_markets
from trader.cycle.orders import EntryOrderSettings, PendingAction, limit_price_for, pending_entry_decide

BTC, XRP = default_markets()["BTCUSDT"], default_markets()["XRPUSDT"]  # ticks 0.1 and 0.0001
T0 = datetime(2026, 3, 1, tzinfo=UTC)
SETTINGS = EntryOrderSettings(timeout_s=300, max_reprices=2, abandon_pct=D("1"), offset_pct=D("0.05"))


@pytest.mark.parametrize(("side", "reference", "offset", "market", "expected"), [
    ("long", "50000", "0.05", BTC, "49975.0"), ("short", "50000", "0.05", BTC, "50025.0"),
    ("long", "50001.23", "0.05", BTC, "49976.2"),  # 49976.2293 down to the tick: never above the offset
    ("short", "50001.23", "0.05", BTC, "50026.3"),  # 50026.2306 up to the tick
    ("long", "0.52083", "0.1", XRP, "0.5203"), ("long", "50000", "0", BTC, "50000.0"),
])
def test_the_limit_price_rounds_to_the_tick_on_the_safe_side(side, reference, offset, market, expected):
    price = limit_price_for(side=side, reference_price=D(reference), offset_pct=D(offset), market=market)
    assert price == D(expected) and str(price) == expected


def decide(*, rested_s: int, price: str, reprices: int = 0, filled: str = "0", side: str = "long"):
    return pending_entry_decide(side=side, signal_price=D("50000"), placed_at=T0,
                                now=T0 + timedelta(seconds=rested_s), reprices=reprices, filled_amount=D(filled),
                                price=D(price), settings=SETTINGS, market=BTC)


def test_before_the_timeout_the_order_waits_whatever_the_price():
    assert decide(rested_s=299, price="60000").action == PendingAction.WAIT


def test_at_the_timeout_a_part_fill_is_kept_before_anything_else():
    assert decide(rested_s=300, price="60000", filled="0.001").action == PendingAction.KEEP_PARTIAL


def test_a_price_that_ran_away_against_the_entry_abandons_it_and_towards_it_reprices():
    assert decide(rested_s=300, price="50600").action == PendingAction.ABANDON  # long: 1.2 % up
    assert decide(rested_s=300, price="49000").action == PendingAction.REPRICE  # long: fell, in its favour
    assert decide(rested_s=300, price="49400", side="short").action == PendingAction.ABANDON
    assert decide(rested_s=300, price="50500").action == PendingAction.REPRICE  # exactly 1 %: not more


def test_a_reprice_moves_to_the_offset_from_the_current_price_until_none_is_left():
    decision = decide(rested_s=300, price="50200", reprices=1)
    assert (decision.action, decision.price) == (PendingAction.REPRICE, D("50174.9"))
    assert decide(rested_s=300, price="50200", reprices=2).action == PendingAction.CANCEL
