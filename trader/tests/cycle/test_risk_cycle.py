"""Risk sizing through the whole cycle against the paper exchange: the structure engine's stop sizes the
position, the exchange's stop sits there, and the exits keep it."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from coinex.errors import ExchangeTemporaryError
from ta.models import Symbol, TradingSignal
from trader.cycle.run import cycle_run
from trader.models import Decision, Trade
from trader.services.config import config_update

pytestmark = pytest.mark.django_db


def structure_setup(symbol: str, *, direction: str, sl: float, state: str = "entry_zone") -> None:
    now = timezone.now()
    TradingSignal.objects.create(
        symbol=Symbol.objects.get(symbol=symbol), timeframe="1h", direction=direction, market_score=70,
        price=50000, entry1=50000, entry2=49800, sl=sl, tp1=52000, tp2=53000, tp3=54000, swing_high=52000,
        swing_low=48500, swing_high_time=now, swing_low_time=now, risk_reward_ratio=2.0, confidence_score=70,
        state=state, candle_time=now, created_at=now, updated_at=now)


def test_risk_mode_sizes_to_the_structure_stop_and_keeps_it_on_the_exchange(market, paper, dry_run, operator):
    config_update(changes={"sizing_mode": "risk", "risk_per_trade_pct": "2"}, actor=operator)
    structure_setup("BTCUSDT", direction="long", sl=49000)
    structure_setup("BTCUSDT", direction="short", sl=51000)  # the other side's setup is not this trade's stop
    market.scan("BTCUSDT", long=65, price="50000")
    log = cycle_run(exchange=paper)
    assert log.outcome == "ok", log.errors
    trade = Trade.objects.get()
    # 2 % of 1000 = 20 USDT at risk over 1000 USDT of stop distance: 0.02 BTC (notional 1000, margin 200 at 5x).
    assert (trade.size, trade.leverage, trade.risk_stop_price) == (D("0.02"), 5, D("49000"))
    assert paper.position(symbol="BTCUSDT").stop_loss_price == D("49000")
    verdicts = {v["rule"]: v["detail"] for v in Decision.objects.get().verdicts}
    assert verdicts["risk_per_trade"] == "risk 20.00 to stop 49000 is 2.00% of equity (at most 3%)"

    market.price("BTCUSDT", "49400")  # beyond sl_pct's stop (49700) but not the position's own
    cycle_run(exchange=paper)
    assert Trade.objects.get().is_open
    market.price("BTCUSDT", "48900")
    cycle_run(exchange=paper)
    trade = Trade.objects.get()
    assert not trade.is_open and trade.close_reason == "sl"


def test_margin_mode_ignores_the_structure_stop(market, paper, dry_run):
    structure_setup("BTCUSDT", direction="long", sl=49000)
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    trade = Trade.objects.get()
    assert (trade.size, trade.risk_stop_price) == (D("0.005"), None)
    assert paper.position(symbol="BTCUSDT").stop_loss_price == D("49700")


def test_the_uncertain_regime_opens_with_reduced_risk_only_when_its_factor_allows(market, paper, dry_run, operator):
    from ta.models import MarketRegime

    MarketRegime.objects.create(symbol=Symbol.objects.get(symbol="BTCUSDT"), timeframe="1h", regime="uncertain",
                                status="ok", computed_at=timezone.now())
    config_update(changes={"use_regime_mapping": True}, actor=operator)
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    assert not Trade.objects.exists()  # factor 0 (the default): the uncertain regime opens nothing, as before
    config_update(changes={"uncertain_risk_factor": "0.5"}, actor=operator)
    cycle_run(exchange=paper)
    # Half the usual margin: 2.5 % of 1000 = 25 at 5x -> 125 / 50000 = 0.0025 BTC.
    assert Trade.objects.get().size == D("0.0025")
    verdicts = {v["rule"]: v["detail"] for v in Decision.objects.filter(outcome="entered").get().verdicts}
    assert verdicts["regime"] == "uncertain regime: new risk x 0.50"


def test_a_risk_sized_limit_entry_keeps_the_signals_stop_when_it_fills(market, paper, dry_run, operator):
    config_update(changes={"sizing_mode": "risk", "risk_per_trade_pct": "2", "entry_order_type": "limit",
                           "limit_offset_pct": D("0.1")}, actor=operator)
    structure_setup("BTCUSDT", direction="long", sl=49000)
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    assert not Trade.objects.exists(), "resting at 49950"
    market.clear_scans()
    market.price("BTCUSDT", "49900")  # through the limit: filled
    log = cycle_run(exchange=paper)
    assert log.outcome == "ok", log.errors
    trade = Trade.objects.get()
    assert (trade.size, trade.risk_stop_price) == (D("0.02"), D("49000"))
    assert paper.position(symbol="BTCUSDT").stop_loss_price == D("49000"), "not the sl_pct stop"


def test_a_risk_sized_market_entry_recovered_after_a_lost_answer_keeps_the_signals_stop(market, paper, dry_run,
                                                                                       operator):
    class LosesTheAnswer:
        """The paper exchange, whose first order fills but whose answer never arrives."""

        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def order_place(self, **kwargs):
            self.inner.order_place(**kwargs)
            raise ExchangeTemporaryError("connection reset before the answer arrived")

    config_update(changes={"sizing_mode": "risk", "risk_per_trade_pct": "2"}, actor=operator)
    structure_setup("BTCUSDT", direction="long", sl=49000)
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=LosesTheAnswer(paper))
    assert not Trade.objects.exists()
    cycle_run(exchange=paper)  # finds the fill by its client id
    trade = Trade.objects.get()
    assert (trade.size, trade.risk_stop_price, trade.entry_score) == (D("0.02"), D("49000"), 65)
    assert paper.position(symbol="BTCUSDT").stop_loss_price == D("49000"), "not the sl_pct stop (49700)"
