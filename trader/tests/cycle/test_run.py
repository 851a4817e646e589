"""The cycle against the paper exchange on the real database: entries, exits, every safety rule."""

from decimal import Decimal as D

import pytest

from trader.cycle.run import cycle_run
from trader.models import (
    AuditEntry,
    BookLedger,
    CloseReason,
    CycleLog,
    Decision,
    LockKind,
    OrderIntent,
    Trade,
    TraderStatus,
)
from trader.services.config import config_update
from trader.services.status import lock_trip, status_get, trader_enabled_set

pytestmark = pytest.mark.django_db


def test_paused_returns_before_any_exchange_call(market):
    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"paused cycle called the exchange ({name})")

    log = cycle_run(exchange=Untouchable())
    assert log.outcome == "paused"


def test_a_strong_long_signal_opens_a_sized_position_with_protective_orders(market, paper, dry_run):
    market.scan("BTCUSDT", long=65, price="50000")
    log = cycle_run(exchange=paper)
    assert log.outcome == "ok", log.errors
    trade = Trade.objects.get()
    # Score 65 >= 60 wants 7x; CoinEx allows 5x or 8x, so 5x. Margin 5 % of 1,000 USDT:
    # 50 * 5 / 50000 = 0.005 BTC.
    assert (trade.symbol, trade.side, trade.leverage, trade.size) == ("BTCUSDT", "long", 5, D("0.005"))
    position = paper.position(symbol="BTCUSDT")
    assert position.amount == D("0.005")
    assert position.stop_loss_price is not None and position.stop_loss_price < D("50000")
    assert position.take_profit_price > D("50000")
    decision = Decision.objects.get(symbol="BTCUSDT")
    assert decision.outcome == "entered" and all(v["passed"] for v in decision.verdicts)
    assert OrderIntent.objects.get(purpose="open").state == "filled"


def test_scores_below_threshold_are_logged_with_the_reason(market, paper, dry_run):
    market.scan("ETHUSDT", long=44, short=10, price="3000")
    cycle_run(exchange=paper)
    decision = Decision.objects.get(symbol="ETHUSDT")
    assert decision.outcome == "skipped"
    assert decision.reason == "score: score 44 vs threshold 45"
    assert not Trade.objects.exists()


def test_ta_bonus_counts_only_when_enabled_and_only_up_to_the_cap(market, paper, dry_run, operator):
    market.scan("ETHUSDT", long=30, long_bonus=45, price="3000")
    cycle_run(exchange=paper)
    assert not Trade.objects.exists(), "use_ta_signals is off by default"
    config_update(changes={"use_ta_signals": True, "ta_bonus_cap": 10}, actor=operator)
    cycle_run(exchange=paper)
    assert Decision.objects.filter(symbol="ETHUSDT").first().reason == "score: score 40 vs threshold 45"
    config_update(changes={"ta_bonus_cap": 20}, actor=operator)
    cycle_run(exchange=paper)
    assert Trade.objects.get().symbol == "ETHUSDT"


def test_short_signal_opens_a_short(market, paper, dry_run):
    market.scan("SOLUSDT", long=10, short=55, price="150")
    cycle_run(exchange=paper)
    assert Trade.objects.get().side == "short"


def test_disabled_keeps_scanning_but_places_nothing(market, paper, dry_run, operator):
    trader_enabled_set(enabled=False, actor=operator)
    market.scan("BTCUSDT", long=70, price="50000")
    log = cycle_run(exchange=paper)
    assert log.symbols_scanned == 1
    assert Decision.objects.get().reason == "enabled: trading is disabled"
    assert not paper.positions()


def test_max_positions_is_enforced(market, paper, dry_run, operator):
    config_update(changes={"max_positions": 2}, actor=operator)
    for symbol, price in (("BTCUSDT", "50000"), ("ETHUSDT", "3000"), ("SOLUSDT", "150")):
        market.scan(symbol, long=70, price=price)
    cycle_run(exchange=paper)
    assert len(paper.positions()) == 2
    skipped = Decision.objects.get(outcome="skipped")
    assert skipped.reason == "max_positions: 2 open of at most 2"


def test_whitelist_is_enforced(market, paper, dry_run, operator):
    config_update(changes={"coin_whitelist": ["BTCUSDT", "ETHUSDT"]}, actor=operator)
    for symbol, price in (("BTCUSDT", "50000"), ("SOLUSDT", "150")):
        market.scan(symbol, long=70, price=price)
    cycle_run(exchange=paper)
    assert [p.symbol for p in paper.positions()] == ["BTCUSDT"]
    assert Decision.objects.get(symbol="SOLUSDT").reason == "whitelist: not in the whitelist"


def test_blacklist_is_enforced(market, paper, dry_run, operator):
    config_update(changes={"coin_blacklist": ["ETHUSDT"]}, actor=operator)
    for symbol, price in (("BTCUSDT", "50000"), ("ETHUSDT", "3000")):
        market.scan(symbol, long=70, price=price)
    cycle_run(exchange=paper)
    assert [p.symbol for p in paper.positions()] == ["BTCUSDT"]
    assert Decision.objects.get(symbol="ETHUSDT").reason == "blacklist: blacklisted"


def test_leverage_is_capped_by_max_leverage(market, paper, dry_run, operator):
    config_update(changes={"max_leverage": 3}, actor=operator)
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    assert Trade.objects.get().leverage == 3


def test_stale_signals_are_not_traded(market, paper, dry_run):
    market.scan("BTCUSDT", long=70, price="50000", age_s=3600)
    cycle_run(exchange=paper)
    assert Decision.objects.get().reason.startswith("fresh_signal: scanned 3600 s ago")


def test_take_profit_closes_and_records_pnl_net_of_fees(market, paper, dry_run):
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    market.clear_scans()
    market.price("BTCUSDT", "50600")  # +1.2 % at 5x = +6 % of margin >= TP 5 %
    cycle_run(exchange=paper)
    trade = Trade.objects.get()
    assert trade.close_reason == CloseReason.TAKE_PROFIT
    assert trade.exit_price >= D("50000")
    gross = (trade.exit_price - trade.entry_price) * trade.size
    assert trade.pnl == (gross - trade.fees).quantize(D("1e-8"))
    assert trade.fees > 0
    assert not paper.positions()


def test_stop_loss_closes_at_minus_sl_pct_of_margin(market, paper, dry_run):
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)
    market.clear_scans()
    market.price("BTCUSDT", "49600")  # -0.8 % at 5x = -4 % of margin <= -3 %
    cycle_run(exchange=paper)
    trade = Trade.objects.get()
    assert trade.close_reason == CloseReason.STOP_LOSS
    assert trade.pnl < 0


def test_kill_switch_latches_closes_everything_and_stays_latched(market, paper, dry_run, operator):
    config_update(changes={"kill_switch_drawdown_pct": "2"}, actor=operator)
    market.scan("BTCUSDT", long=65, price="50000")
    cycle_run(exchange=paper)  # starting balance 1,000 recorded
    BookLedger.objects.filter(mode="dry-run", venue="coinex").update(starting_balance=D("1100"))  # 9 % below
    log = cycle_run(exchange=paper)
    status = status_get()
    assert status.lock_kind == LockKind.KILL_SWITCH
    assert not paper.positions()
    assert Trade.objects.get().close_reason == CloseReason.KILL_SWITCH
    assert any("kill switch latched" in action for action in log.actions)
    market.scan("ETHUSDT", long=70, price="3000")
    cycle_run(exchange=paper)
    assert not paper.positions(), "nothing is traded while latched"


def test_circuit_breaker_locks_after_consecutive_failed_cycles(market, dry_run):
    class Broken:
        def balance(self):
            from coinex.errors import ExchangeTemporaryError

            raise ExchangeTemporaryError("gateway 502", code=None)

    for _ in range(3):
        log = cycle_run(exchange=Broken())
        assert log.outcome == "failed"
    status = status_get()
    assert status.lock_kind == LockKind.CIRCUIT_BREAKER
    assert "3 consecutive failures" in status.lock_reason
    assert AuditEntry.objects.filter(action="lock.trip", actor="system").exists()


def test_a_successful_cycle_resets_the_failure_count(market, paper, dry_run):
    TraderStatus.objects.filter(pk=1).update(consecutive_failures=2)
    cycle_run(exchange=paper)
    assert status_get().consecutive_failures == 0


def test_stale_market_data_trips_the_circuit_breaker_and_blocks_entries(market, paper, dry_run):
    from datetime import timedelta

    from ta.models import Candle

    market.scan("BTCUSDT", long=70, price="50000")
    Candle.objects.update(open_time=Candle.objects.get().open_time - timedelta(minutes=30))
    cycle_run(exchange=paper)
    status = status_get()
    assert status.lock_kind == LockKind.CIRCUIT_BREAKER and "stale" in status.lock_reason
    assert not paper.positions()


def test_locked_trader_opens_nothing(market, paper, dry_run):
    lock_trip(kind=LockKind.EMERGENCY_STOP, reason="operator")
    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run(exchange=paper)
    assert Decision.objects.get().reason == "unlocked: locked: emergency stop"


def test_two_cycles_at_once_only_one_runs(market, paper, dry_run):
    from trader.cycle.lease import cycle_lease

    with cycle_lease() as held:
        assert held
        log = cycle_run(exchange=paper)
    assert log.outcome == "busy"
    assert cycle_run(exchange=paper).outcome == "ok"


def test_cycle_log_records_what_happened(market, paper, dry_run):
    market.scan("BTCUSDT", long=70, price="50000")
    market.scan("ETHUSDT", long=10, price="3000")
    log = cycle_run(exchange=paper)
    log = CycleLog.objects.get(pk=log.pk)
    assert (log.symbols_scanned, log.candidates) == (2, 1)
    assert log.duration_ms is not None and log.equity == D("1000")
    assert log.actions == ["opened long BTCUSDT at score 70 (5x)"]
