"""Operator actions on positions: close one, close all, emergency stop. Audited.

These are what the API, the control-suite routes and the trader page call; each takes
the exchange of the current mode from the one factory.
"""

from __future__ import annotations

import logging

from django.db import transaction

from coinex.errors import ExchangeError
from coinex.exchange import Exchange
from coinex.factory import exchange_for_mode
from config.logging import Category
from trader.models import CloseReason, LockKind, Trade
from trader.services.actor import Actor
from trader.services.alerts import AlertKind, alert_send
from trader.services.announce import trader_event_publish
from trader.services.audit import audit_record
from trader.services.positions import CloseOutcome, position_close, positions_close_all
from trader.services.status import ControlRefused, lock_trip, status_get

logger = logging.getLogger(__name__)


def exchange_current() -> Exchange:
    """The exchange of the current mode; ``ControlRefused`` when paused (no exchange)."""
    exchange = exchange_for_mode(mode=status_get().mode)
    if exchange is None:
        raise ControlRefused("the trader is paused: switch to dry-run or live to act on positions")
    return exchange


def position_close_manual(*, symbol: str, actor: Actor, exchange: Exchange | None = None) -> CloseOutcome:
    """Close the position in ``symbol`` now (reason: manual); ``ControlRefused`` if there is none."""
    exchange = exchange or exchange_current()
    if exchange.position(symbol=symbol) is None:
        raise ControlRefused(f"there is no open position in {symbol}")
    with transaction.atomic():
        audit_record(actor=actor, action="position.close", field="symbol", new=symbol)
    trade = position_close(symbol=symbol, reason=CloseReason.MANUAL, exchange=exchange)
    return CloseOutcome(symbol, True, "closed", trade.pnl if trade else None)


def positions_close_all_manual(*, actor: Actor, exchange: Exchange | None = None) -> list[CloseOutcome]:
    """Close every open position (reason: manual), reporting each one's outcome."""
    exchange = exchange or exchange_current()
    with transaction.atomic():
        audit_record(actor=actor, action="positions.close_all")
    return positions_close_all(exchange=exchange, reason=CloseReason.MANUAL)


def emergency_stop(*, actor: Actor, exchange: Exchange | None = None) -> list[CloseOutcome]:
    """Halt (lock: emergency stop), then close every position, reporting each close's outcome.

    The lock is taken first, so no cycle opens anything while the positions are closed;
    it stays until a user clears it.
    """
    with transaction.atomic():
        audit_record(actor=actor, action="emergency_stop")
    lock_trip(kind=LockKind.EMERGENCY_STOP, reason=f"emergency stop by {actor.described}", actor=actor)
    try:
        exchange = exchange or exchange_current()
    except (ControlRefused, ExchangeError) as error:
        outcomes = [CloseOutcome(trade.symbol, False, f"not closed: {error}")
                    for trade in Trade.objects.filter(closed_at__isnull=True)]
    else:
        try:
            outcomes = positions_close_all(exchange=exchange, reason=CloseReason.EMERGENCY)
        except ExchangeError as error:
            outcomes = [CloseOutcome("*", False, f"positions could not be listed: {error}")]
    closed = sum(outcome.closed for outcome in outcomes)
    summary = f"closed {closed} of {len(outcomes)} position(s)"
    logger.critical("emergency stop by %s: %s", actor.described, summary, extra={"category": Category.TRADE})
    failed = [f"{o.symbol}: {o.detail}" for o in outcomes if not o.closed]
    alert_send(kind=AlertKind.EMERGENCY_STOP,
               message=f"by {actor.described}; {summary}" + (f"; FAILED: {'; '.join(failed)}" if failed else ""))
    trader_event_publish(kind="emergency_stop", payload={"by": actor.label,
                                                         "outcomes": [o.as_dict() for o in outcomes]})
    return outcomes


def paper_prices_refresh() -> int:
    """Dry-run only: feed current prices to the paper exchange; returns how many orders they filled."""
    from coinex.paper import PaperExchange
    from trader.models import TraderMode

    if status_get().mode != TraderMode.DRY_RUN:
        return 0
    exchange = exchange_for_mode(mode=TraderMode.DRY_RUN)
    assert isinstance(exchange, PaperExchange)  # the factory's dry-run exchange
    filled = exchange.prices_refresh()
    if filled:
        logger.info("paper exchange: %d order(s) filled by new prices", len(filled), extra={"category": Category.TRADE})
    return len(filled)
