"""One trading cycle, with every safety rule in one place (DESIGN.md "Trading modes and safety").

Order of a cycle:
 1. reload the config; paused -> return before any exchange call;
 2. take the cycle lease (one cycle at a time, wherever it runs; renewed by a heartbeat);
    cycles a dead worker left unfinished are marked failed and alerted;
 3. snapshot balance and positions from the exchange of the book (mode, venue: paper or CoinEx);
 4. kill switch: drawdown from the book's starting balance (or equity peak) -> latch, close all;
 5. resolve the book's pending orders by client id, reconcile its records with its exchange;
 6. exits (TP, SL, trailing) and the protective-order watchdog;
 7. circuit breaker inputs: market data older than 3 candles;
 8. entries from the latest scan, each candidate's decision recorded; once the breaker's
    failure count or rate-limit burst is reached, no further entry is attempted and the
    cycle is recorded as failed;
 9. failures counted (circuit breaker), state announced on the bus, the cycle recorded.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings as django_settings
from django.utils import timezone

from coinex.dto import Balance, Position
from coinex.errors import ExchangeAuthError, ExchangeError, ExchangeTemporaryError, OrderRejected
from coinex.exchange import Exchange
from coinex.factory import exchange_for_mode
from coinex.venue import venue_status_read
from config.bus.client import bus_set_json
from config.bus.schema import KEY_STATE_BALANCE, KEY_STATE_POSITIONS
from config.logging import Category
from ta.selectors import symbols_enabled
from trader.cycle.exits import exit_decide, protective_levels
from trader.cycle.lease import CycleLease, cycle_lease
from trader.cycle.orders import EntryOrderSettings
from trader.cycle.reconcile import ReconcileReport, intents_resolve, positions_reconcile
from trader.cycle.recovery import cycles_abandoned_fail
from trader.cycle.rules import Account, EntryPlan, EntrySettings, entry_plan
from trader.cycle.signals import market_data_staleness, scan_candidates
from trader.models import (
    BookLedger,
    CloseReason,
    CycleLog,
    CycleOutcome,
    Decision,
    EntryOrderType,
    KillSwitchReference,
    LockKind,
    Trade,
    TraderConfig,
    TraderMode,
    TraderStatus,
)
from trader.selectors import book_allocation
from trader.services.alerts import AlertKind, alert_send
from trader.services.announce import trader_config_announce, trader_event_publish, trader_status_announce
from trader.services.books import ledger_equity_track
from trader.services.entry_orders import (
    Protection,
    entry_order_place,
    entry_orders_manage,
    entry_orders_resting_symbols,
)
from trader.services.positions import (
    correlation_id_new,
    position_close,
    position_open,
    positions_close_all,
    protective_orders_set,
    trades_liquidation_track,
)
from trader.services.status import lock_trip, status_get
from trader.services.venue_gate import venue_gate_record

logger = logging.getLogger(__name__)

RATE_LIMIT_CODE = 4213
HUNDRED = Decimal(100)


@dataclass
class CycleState:
    """What one cycle collects as it goes: actions, errors, and the counts the breaker needs."""

    log: CycleLog
    actions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    order_errors: int = 0
    rate_limited: int = 0
    breaker_tripped: bool = False
    lease: CycleLease | None = None

    def act(self, text: str) -> None:
        self.actions.append(text)

    def fail(self, text: str, *, order: bool = False, error: Exception | None = None) -> None:
        self.errors.append(text)
        if order:
            self.order_errors += 1
        if isinstance(error, ExchangeTemporaryError) and error.code == RATE_LIMIT_CODE:
            self.rate_limited += 1
        logger.error(text, extra={"category": Category.TRADE, "cycle_id": self.log.pk})


def entry_settings_from(config: TraderConfig) -> EntrySettings:
    """The entry-relevant part of the config, frozen for one cycle."""
    return EntrySettings(
        long_threshold=config.long_threshold, short_threshold=config.short_threshold,
        coin_whitelist=tuple(config.coin_whitelist), coin_blacklist=tuple(config.coin_blacklist),
        max_positions=config.max_positions, max_leverage=config.max_leverage,
        leverage_rules=dict(config.leverage_rules), position_size_pct=config.position_size_pct,
        use_ta_signals=config.use_ta_signals, ta_bonus_cap=config.ta_bonus_cap,
        sizing_mode=config.sizing_mode, risk_per_trade_pct=config.risk_per_trade_pct, sl_pct=config.sl_pct,
        max_strategy_exposure_pct=config.max_strategy_exposure_pct,
        max_total_exposure_pct=config.max_total_exposure_pct, max_portfolio_heat_pct=config.max_portfolio_heat_pct,
        uncertain_risk_factor=config.uncertain_risk_factor,
    )


def entry_order_settings_from(config: TraderConfig) -> EntryOrderSettings:
    """The entry-order part of the config (market or limit entries and the limit's management)."""
    return EntryOrderSettings(
        order_type=EntryOrderType(config.entry_order_type), offset_pct=config.limit_offset_pct,
        post_only=config.limit_post_only, timeout_s=config.limit_timeout_s, max_reprices=config.limit_max_reprices,
        abandon_pct=config.limit_abandon_pct,
    )


def cycle_run(*, exchange: Exchange | None = None, now: datetime | None = None) -> CycleLog:
    """Run one cycle and return its record; never raises for an exchange or data problem."""
    from trader.services.config import config_get

    config = config_get()  # hot reload: every cycle reads the config afresh
    status = status_get()
    started = timezone.now()
    if status.mode == TraderMode.PAUSED:
        return CycleLog.objects.create(started_at=started, finished_at=started, duration_ms=0,
                                       mode=status.mode, venue=config.venue, outcome=CycleOutcome.PAUSED)
    with cycle_lease() as lease:
        if not lease:
            logger.info("another cycle is running; this one is skipped", extra={"category": Category.TRADE})
            return CycleLog.objects.create(started_at=started, finished_at=started, duration_ms=0,
                                           mode=status.mode, venue=config.venue, outcome=CycleOutcome.BUSY)
        return _cycle_locked(config=config, mode=status.mode, exchange=exchange, now=now or started, lease=lease)


def _cycle_locked(*, config: TraderConfig, mode: str, exchange: Exchange | None, now: datetime,
                  lease: CycleLease | None = None) -> CycleLog:
    clock = time.monotonic()
    # The cycle's book (mode, venue): the only records it reads, reconciles and manages.
    state = CycleState(CycleLog.objects.create(started_at=now, mode=mode, venue=config.venue,
                                               outcome=CycleOutcome.RUNNING), lease=lease)
    if lease is not None:
        lease.cycle_attach(cycle_id=state.log.pk)
    failed = False
    try:
        state.actions.extend(cycles_abandoned_fail(current_cycle_id=state.log.pk))
        exchange = exchange or exchange_for_mode(mode=mode, venue=config.venue)
        _cycle_body(state=state, config=config, exchange=exchange, now=now)
    except ExchangeAuthError as error:
        failed = True
        state.fail(f"exchange refused the credentials: {error}", error=error)
        if _lock_newly_tripped(f"exchange authentication failed: {error}"):
            alert_send(kind=AlertKind.CIRCUIT_BREAKER, message=f"authentication failed, trading stopped: {error}")
    except ExchangeError as error:
        failed = True
        state.fail(f"cycle aborted by an exchange error: {error}", error=error)
    except Exception as error:
        failed = True
        logger.exception("cycle crashed", extra={"category": Category.TRADE, "cycle_id": state.log.pk})
        state.fail(f"cycle crashed: {type(error).__name__}: {error}")
    _breaker_account(state=state, config=config, cycle_failed=failed)
    failed = failed or state.breaker_tripped
    log = state.log
    log.finished_at = timezone.now()
    log.duration_ms = int((time.monotonic() - clock) * 1000)
    log.outcome = CycleOutcome.FAILED if failed else CycleOutcome.OK
    log.actions, log.errors = state.actions, state.errors
    log.save()
    TraderStatus.objects.filter(pk=1).update(last_cycle_at=log.finished_at)
    trader_status_announce()
    trader_config_announce(config=config)
    for error in log.errors:
        trader_event_publish(kind="error", payload={"cycle_id": log.pk, "message": error})
    logger.info("cycle %s: %s, %d action(s), %d error(s) in %d ms", log.pk, log.outcome, len(log.actions),
                len(log.errors), log.duration_ms, extra={"category": Category.TRADE, "cycle_id": log.pk})
    return log


def _breaker_account(*, state: CycleState, config: TraderConfig, cycle_failed: bool) -> None:
    """Count consecutive failures (failed cycles, order errors); lock at the threshold."""
    status = status_get()
    failures = (status.consecutive_failures + (1 if cycle_failed else 0) + state.order_errors
                if (cycle_failed or state.order_errors) else 0)
    TraderStatus.objects.filter(pk=1).update(consecutive_failures=failures)
    if state.breaker_tripped:
        return  # tripped inside this cycle already
    reason = _breaker_reason(state=state, config=config, failures=failures)
    if reason:
        state.breaker_tripped = True
        _breaker_trip(state, reason)


def _breaker_reason(*, state: CycleState, config: TraderConfig, failures: int) -> str | None:
    """Why the breaker must trip with ``failures`` consecutive failures so far, or None."""
    if failures >= config.circuit_breaker_threshold:
        return f"{failures} consecutive failures (threshold {config.circuit_breaker_threshold})"
    if state.rate_limited >= django_settings.TRADER_RATE_LIMIT_BURST:
        return f"{state.rate_limited} rate-limit errors in one cycle"
    return None


def _lock_newly_tripped(reason: str) -> bool:
    """Trip the circuit breaker; True only when this call locked the trader (not already latched)."""
    before = status_get().lock_kind
    return lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason=reason).lock_kind != before


def _breaker_trip(state: CycleState, reason: str) -> None:
    """Lock the trader; the alert and the event go out once per trip, not on every cycle while latched."""
    if not _lock_newly_tripped(reason):
        return
    state.act(f"circuit breaker tripped: {reason}")
    alert_send(kind=AlertKind.CIRCUIT_BREAKER, message=reason)
    trader_event_publish(kind="lock", payload={"lock": "circuit_breaker", "reason": reason})


def _cycle_body(*, state: CycleState, config: TraderConfig, exchange: Exchange, now: datetime) -> None:
    balance = exchange.balance()
    positions = exchange.positions()
    state.log.equity = balance.equity
    _publish_account(balance, positions)
    book = state.log.book
    ledger = ledger_equity_track(book=book, equity=balance.equity)

    if _kill_switch(state=state, config=config, ledger=ledger, balance=balance, exchange=exchange,
                    positions=positions):
        return

    report = ReconcileReport()
    intents_resolve(exchange=exchange, report=report, book=book)
    # Resting entries first: their fills are trades before reconciliation compares positions with trades.
    entry_orders = entry_order_settings_from(config)
    protection = Protection(tp_pct=config.tp_pct, sl_pct=config.sl_pct, trailing_stop=config.trailing_stop)
    entry_actions = entry_orders_manage(exchange=exchange, book=book, settings=entry_orders, protection=protection,
                                        now=now)
    if entry_actions:  # fills and their stops changed the positions the snapshot holds
        report.actions.extend(entry_actions)
        positions = exchange.positions()
    positions_reconcile(exchange=exchange, positions=positions, report=report, book=book)
    if Trade.objects.in_book(book).filter(closed_at__isnull=False, entry_orders__resting=True).exists():
        # A stop fired while the rest of its entry still rested: cancel the rest now, not next cycle.
        report.actions.extend(entry_orders_manage(exchange=exchange, book=book, settings=entry_orders,
                                                  protection=protection, now=now))
    state.actions.extend(report.actions)
    trades_liquidation_track(positions=positions, book=book)

    _exits_and_watchdog(state=state, config=config, exchange=exchange, positions=positions)

    stale = market_data_staleness(now=now)
    if stale:
        _breaker_trip(state, f"market data is stale: {stale}")

    positions = exchange.positions()
    _entries(state=state, config=config, exchange=exchange, positions=positions, now=now)
    balance = exchange.balance()
    positions = exchange.positions()
    trades_liquidation_track(positions=positions, book=book)  # the trades opened just now too
    _publish_account(balance, positions)


def kill_switch_drawdown_pct(*, ledger: BookLedger, config: TraderConfig, equity: Decimal) -> Decimal:
    """Drawdown of ``equity`` from the configured reference of ``ledger``'s book, in % (0 when at or
    above it, or before the book's first cycle)."""
    reference = ledger.equity_peak if config.kill_switch_reference == KillSwitchReference.EQUITY_PEAK \
        else ledger.starting_balance
    if not reference:
        return Decimal(0)
    return max(Decimal(0), (reference - equity) / reference * HUNDRED)


def _kill_switch(*, state: CycleState, config: TraderConfig, ledger: BookLedger, balance: Balance,
                 exchange: Exchange, positions: list[Position]) -> bool:
    """Latch the kill switch and close everything when the book's drawdown reaches the limit."""
    drawdown = kill_switch_drawdown_pct(ledger=ledger, config=config, equity=balance.equity)
    if status_get().lock_kind == LockKind.KILL_SWITCH:
        return True  # latched: nothing is traded until a user re-arms it
    if drawdown < config.kill_switch_drawdown_pct:
        return False
    reason = f"equity {balance.equity} is down {drawdown:.2f}% (limit {config.kill_switch_drawdown_pct}%)"
    lock_trip(kind=LockKind.KILL_SWITCH, reason=reason)
    outcomes = positions_close_all(exchange=exchange, reason=CloseReason.KILL_SWITCH, positions=positions,
                                   book=state.log.book)
    state.act(f"kill switch latched: {reason}")
    for outcome in outcomes:
        state.act(f"kill switch close {outcome.symbol}: {outcome.detail}")
        if not outcome.closed:
            state.fail(f"kill switch could not close {outcome.symbol}: {outcome.detail}", order=True)
    alert_send(kind=AlertKind.KILL_SWITCH, message=f"{reason}; closed {sum(o.closed for o in outcomes)} "
                                                   f"of {len(outcomes)} position(s)")
    trader_event_publish(kind="lock", payload={"lock": "kill_switch", "reason": reason})
    return True


def _exits_and_watchdog(*, state: CycleState, config: TraderConfig, exchange: Exchange,
                        positions: list[Position]) -> None:
    by_symbol = {p.symbol: p for p in positions}
    for trade in Trade.objects.in_book(state.log.book).open().managed():
        position = by_symbol.get(trade.symbol)
        if position is None:
            continue
        decision = exit_decide(side=trade.side, entry_price=trade.entry_price, price=position.mark_price,
                               leverage=trade.leverage, best_price=trade.best_price, tp_pct=config.tp_pct,
                               sl_pct=config.sl_pct, trailing_stop=config.trailing_stop,
                               stop_price=trade.risk_stop_price)
        if decision.best_price != trade.best_price:
            Trade.objects.filter(pk=trade.pk).update(best_price=decision.best_price)
            trade.best_price = decision.best_price
        if decision.reason is not None:
            try:
                position_close(symbol=trade.symbol, reason=decision.reason, exchange=exchange, trade=trade)
                state.act(f"closed {trade.side} {trade.symbol}: {decision.detail}")
            except ExchangeError as error:
                state.fail(f"closing {trade.symbol} failed: {error}", order=True, error=error)
                alert_send(kind=AlertKind.ORDER_FAILED, message=f"closing {trade.symbol} failed: {error}")
            continue
        _watchdog(state=state, config=config, exchange=exchange, trade=trade, position=position)


def _watchdog(*, state: CycleState, config: TraderConfig, exchange: Exchange, trade: Trade,
              position: Position) -> None:
    """Every open position has its stop-loss and take-profit on the exchange, at the current levels."""
    levels = protective_levels(side=trade.side, entry_price=trade.entry_price, leverage=trade.leverage,
                               best_price=trade.best_price, tp_pct=config.tp_pct, sl_pct=config.sl_pct,
                               trailing_stop=config.trailing_stop, stop_price=trade.risk_stop_price)
    missing = [name for name, price in (("stop-loss", position.stop_loss_price),
                                        ("take-profit", position.take_profit_price)) if price is None]
    market = exchange.market(symbol=trade.symbol)
    moved = position.stop_loss_price is not None and market.price_round(levels.stop_loss) != position.stop_loss_price
    if not missing and not moved:
        return
    try:
        protective_orders_set(trade=trade, exchange=exchange, tp_pct=config.tp_pct, sl_pct=config.sl_pct,
                              trailing_stop=config.trailing_stop)
    except ExchangeError as error:
        state.fail(f"protective orders for {trade.symbol} not placed: {error}", order=True, error=error)
        alert_send(kind=AlertKind.PROTECTIVE_ORDER_MISSING,
                   message=f"{trade.symbol}: {', '.join(missing) or 'stop'} could not be placed: {error}")
        return
    if missing:
        state.act(f"re-placed missing {' and '.join(missing)} of {trade.symbol}")
        alert_send(kind=AlertKind.PROTECTIVE_ORDER_MISSING,
                   message=f"{trade.symbol} had no {' and '.join(missing)} on the exchange; re-placed")
    else:
        state.act(f"moved the trailing stop of {trade.symbol} to {market.price_round(levels.stop_loss)}")


def _entries(*, state: CycleState, config: TraderConfig, exchange: Exchange, positions: list[Position],
             now: datetime) -> None:
    status = status_get()
    if status.mode != state.log.mode:  # switched while this cycle ran: its book is no longer the active one
        state.act(f"no entries: the mode was switched to {status.mode} during this cycle")
        return
    settings = entry_settings_from(config)
    balance = exchange.balance()
    account = Account(enabled=status.enabled, lock=status.get_lock_kind_display() if status.is_locked else None,
                      equity=balance.equity, available=balance.available,
                      open_symbols={p.symbol for p in positions}
                      | entry_orders_resting_symbols(book=state.log.book),
                      allocation=book_allocation(book=state.log.book, sl_pct=config.sl_pct, with_resting=True))
    candidates = scan_candidates(settings=settings, strategies=list(config.strategies),
                                 use_regime_mapping=config.use_regime_mapping)
    state.log.symbols_scanned = len(candidates)
    markets = {m.symbol: m for m in exchange.markets()} if candidates else {}
    live = state.log.mode == TraderMode.LIVE
    if candidates or live:  # the venue's own status gates entries (coinex.venue); exits never read it
        # Live reads every enabled coin, so the record (and its alert) does not flicker with the candidates.
        symbols = [c.symbol for c in candidates]
        account.venue = venue_status_read(exchange=exchange, symbols=sorted({*symbols_enabled(), *symbols})
                                          if live else symbols)
        if live:
            venue_gate_record(status=account.venue)
    for candidate in candidates:
        if not state.breaker_tripped and account.lock is None:
            reason_now = _breaker_reason(state=state, config=config,
                                         failures=status.consecutive_failures + state.order_errors)
            if reason_now:
                state.breaker_tripped = True  # no further entry in this cycle, which is recorded failed
                _breaker_trip(state, reason_now)
                account.lock = LockKind.CIRCUIT_BREAKER.label
            elif state.lease is not None and state.lease.lost:
                account.lock = "the cycle lease was taken over by another cycle"
        plan = entry_plan(candidate=candidate, settings=settings, account=account, markets=markets, now=now,
                          max_signal_age_s=django_settings.TRADER_MAX_SIGNAL_AGE_S)
        correlation_id = correlation_id_new()
        outcome, reason = Decision.Outcome.SKIPPED, plan.reason
        if plan.passed:
            state.log.candidates += 1
            outcome, reason = _entry_submit(state=state, config=config, exchange=exchange, plan=plan,
                                            correlation_id=correlation_id, now=now)
            if outcome == Decision.Outcome.ENTERED:
                account.open_symbols.add(candidate.symbol)
                account.available -= plan.margin
                account.allocation.add(strategy=candidate.strategy, margin=plan.margin, notional=plan.notional,
                                       risk=plan.risk)
        Decision.objects.create(
            cycle=state.log, correlation_id=correlation_id, symbol=candidate.symbol, side=candidate.side,
            strategy=candidate.strategy,
            base_score=candidate.base_score, ta_bonus=plan.ta_bonus_counted, score=plan.score,
            threshold=plan.threshold, verdicts=[v.as_dict() for v in plan.verdicts], outcome=outcome, reason=reason,
        )


def _entry_submit(*, state: CycleState, config: TraderConfig, exchange: Exchange, plan: EntryPlan,
                  correlation_id: str, now: datetime) -> tuple[str, str]:
    """Send ``plan``'s entry as the config says (a market order, or a limit order the order manager
    follows) and protect a market fill; returns the decision's outcome and reason."""
    candidate = plan.candidate
    entry_orders = entry_order_settings_from(config)
    protection = Protection(tp_pct=config.tp_pct, sl_pct=config.sl_pct, trailing_stop=config.trailing_stop)
    try:
        if entry_orders.limit:
            entry = entry_order_place(plan=plan, exchange=exchange, book=state.log.book,
                                      correlation_id=correlation_id, settings=entry_orders, protection=protection,
                                      now=now)
        else:
            trade = position_open(plan=plan, exchange=exchange, book=state.log.book, correlation_id=correlation_id)
    except (OrderRejected, ExchangeError) as error:
        state.fail(f"opening {candidate.side} {candidate.symbol} failed: {error}", order=True, error=error)
        alert_send(kind=AlertKind.ORDER_FAILED, message=f"opening {candidate.side} {candidate.symbol} failed: {error}")
        return Decision.Outcome.FAILED, f"order failed: {error}"
    via = "" if candidate.strategy == "scanner" else f" by {candidate.strategy}"
    if entry_orders.limit:
        at = f"{entry.limit_price.normalize():f}"
        state.act(f"limit entry {candidate.side} {candidate.symbol} {entry.state} at {at} "
                  f"(score {plan.score}, {plan.leverage}x){via}")
        return Decision.Outcome.ENTERED, f"{plan.reason}; limit order {entry.state} at {at}"
    state.act(f"opened {candidate.side} {candidate.symbol} at score {plan.score} ({plan.leverage}x){via}")
    try:
        protective_orders_set(trade=trade, exchange=exchange, tp_pct=config.tp_pct, sl_pct=config.sl_pct,
                              trailing_stop=config.trailing_stop)
    except ExchangeError as error:
        state.fail(f"protective orders for {candidate.symbol} not placed: {error}", error=error)
    return Decision.Outcome.ENTERED, plan.reason


def _publish_account(balance: Balance, positions: list[Position]) -> None:
    """``state:balance`` and ``state:positions`` from the exchange snapshot."""
    bus_set_json(key=KEY_STATE_BALANCE, payload=balance_payload(balance))
    bus_set_json(key=KEY_STATE_POSITIONS, payload=[position_payload(p) for p in positions])


def balance_payload(balance: Balance) -> dict:
    return {"asset": balance.asset, "available": balance.available, "frozen": balance.frozen,
            "margin": balance.margin, "unrealized_pnl": balance.unrealized_pnl, "equity": balance.equity,
            "at": timezone.now()}


def position_payload(position: Position) -> dict:
    return {
        "symbol": position.symbol, "side": position.side, "amount": position.amount,
        "entry_price": position.entry_price, "mark_price": position.mark_price, "leverage": position.leverage,
        "margin_mode": position.margin_mode, "margin": position.margin, "unrealized_pnl": position.unrealized_pnl,
        "pnl_pct": position.pnl_pct_of_margin.quantize(Decimal("0.01")),
        "liquidation_price": position.liquidation_price, "take_profit_price": position.take_profit_price,
        "stop_loss_price": position.stop_loss_price,
    }
