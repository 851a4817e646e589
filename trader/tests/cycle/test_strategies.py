"""The config chooses which strategies may open positions; the regime mapping narrows it."""

from dataclasses import dataclass
from typing import ClassVar

import pytest
from django.utils import timezone

from ta.engine.strategies import registry
from ta.engine.strategies.base import LONG, Strategy
from ta.models import MarketRegime, Symbol
from trader.cycle.run import cycle_run
from trader.models import Decision, Trade
from trader.services.config import config_update

pytestmark = pytest.mark.django_db


@dataclass
class AlwaysLong(Strategy):
    """A stand-in strategy that signals long on any clean candles (the wiring under test, not a method)."""

    name: ClassVar[str] = "supertrend"
    min_candles: ClassVar[int] = 1
    stop_atr_multiple: float = 1.0

    @property
    def parameters(self):
        return {}

    def _signal(self, candles):
        return self._make(candles, LONG, 64.0, "test signal: long", atr_value=1.0)


@pytest.fixture
def supertrend_always_long(monkeypatch, market):
    """Swap in the stand-in, and give BTCUSDT and ETHUSDT an hour of moving 5m candles to look at."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from ta.models import Candle

    monkeypatch.setitem(registry.STRATEGIES, "supertrend", AlwaysLong)
    now = timezone.now().replace(second=0, microsecond=0)
    latest = now - timedelta(minutes=now.minute % 5)
    for symbol, base in (("BTCUSDT", 50000), ("ETHUSDT", 3000)):
        for step in range(1, 13):
            price = Decimal(base + step)
            Candle.objects.create(symbol=Symbol.objects.get(symbol=symbol), timeframe="5m",
                                  open_time=latest - timedelta(minutes=5 * step), open=price, high=price + 5,
                                  low=price - 5, close=price, volume=10)


def test_by_default_only_the_scanner_opens(market, paper, dry_run, supertrend_always_long):
    market.scan("BTCUSDT", long=10, price="50000")
    cycle_run(exchange=paper)
    assert not Trade.objects.exists()
    assert Decision.objects.get().strategy == "scanner"


def test_an_allowed_strategy_opens_and_is_recorded(market, paper, dry_run, operator, supertrend_always_long):
    config_update(changes={"strategies": ["scanner", "supertrend"]}, actor=operator)
    market.scan("BTCUSDT", long=10, price="50000")  # the scanner does not want it; supertrend does
    log = cycle_run(exchange=paper)
    trade = Trade.objects.get(symbol="BTCUSDT")
    assert trade.strategy == "supertrend" and trade.side == "long"
    decision = Decision.objects.get(symbol="BTCUSDT")
    assert decision.strategy == "supertrend" and decision.outcome == "entered"
    assert {"rule": "signal", "passed": True, "detail": "supertrend: test signal: long"} in decision.verdicts
    assert "opened long BTCUSDT at score 64 (5x) by supertrend" in log.actions


def test_an_unknown_strategy_is_refused_in_the_config(operator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="unknown strategy"):
        config_update(changes={"strategies": ["scanner", "martingale"]}, actor=operator)


def test_the_regime_mapping_lets_only_the_mapped_strategy_open(market, paper, dry_run, operator,
                                                                supertrend_always_long):
    config_update(changes={"strategies": ["scanner", "supertrend"], "use_regime_mapping": True}, actor=operator)
    for symbol, regime in (("BTCUSDT", "trending_up"), ("ETHUSDT", "uncertain")):
        MarketRegime.objects.create(symbol=Symbol.objects.get(symbol=symbol), timeframe="1h", regime=regime,
                                    status="ok", computed_at=timezone.now())
    market.scan("BTCUSDT", long=70, price="50000")
    market.scan("ETHUSDT", long=70, price="3000")
    cycle_run(exchange=paper)
    assert list(Trade.objects.values_list("symbol", "strategy")) == [("BTCUSDT", "supertrend")]
    assert not Decision.objects.filter(symbol="ETHUSDT").exists(), "uncertain regime: nothing may open"
