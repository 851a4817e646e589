"""A long dry-run on the simulated market: the trade records add up to the balance change."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from coinex.paper import PaperConfig, PaperExchange
from ta.sources.simulated import SimulatedSource
from trader.cycle.run import cycle_run
from trader.models import CycleLog, Trade
from trader.services.control import positions_close_all_manual

pytestmark = pytest.mark.django_db

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT")
CYCLES = 150


def test_balance_change_equals_the_sum_of_recorded_pnl(market, dry_run, operator, monkeypatch):
    # The pages' live rendering after each cycle is not what this adds up (it is tested on its own),
    # and it was two thirds of the test's time.
    monkeypatch.setattr("config.bus.push._publisher", None)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = start + timedelta(minutes=5 * (CYCLES - 1))
    source = SimulatedSource(seed=7)
    paths = {s: [bar.close for bar in source.bars_fetch(symbol=s, timeframe="5m", start=start, end=end,
                                                          now=end + timedelta(minutes=5))] for s in SYMBOLS}
    paper = PaperExchange(price_provider=market.prices.get,
                          config=PaperConfig(starting_balance=D("1000"), slippage_pct=D("0.05")),
                          account_name="accounting")
    chooser = random.Random(11)
    for step in range(CYCLES):
        for symbol in SYMBOLS:
            price = paths[symbol][step]
            if chooser.random() < 0.15:
                side = chooser.choice(("long", "short"))
                market.scan(symbol, long=70 if side == "long" else 0, short=70 if side == "short" else 0,
                            price=price)
            else:
                market.price(symbol, price)
        cycle_run(exchange=paper)
        market.clear_scans()
    positions_close_all_manual(actor=operator, exchange=paper)

    trades = Trade.objects.all()
    assert trades.count() >= 10, "the run must actually trade"
    assert not trades.filter(closed_at__isnull=True).exists()
    assert set(trades.values_list("close_reason", flat=True)) - {"manual"}, "some exits came from TP/SL/trailing"
    balance = paper.balance()
    recorded = sum((t.pnl for t in trades), D(0))
    assert balance.equity - D("1000") == pytest.approx(recorded, abs=D("0.01"))
    assert CycleLog.objects.filter(outcome="failed").count() == 0
