"""Operator actions on positions: close one, close all, emergency stop. Audited.

These are what the API, the control-suite routes and the trader page call; each acts on
the active book (mode, venue) through its exchange from the one factory.
"""

from __future__ import annotations

import logging

from django.db import transaction

from coinex.errors import ExchangeError
from coinex.exchange import Exchange
from config.logging import Category
from trader.models import Book, CloseReason, LockKind, Trade, TraderConfig, TraderStatus
from trader.services.actor import Actor
from trader.services.alerts import AlertKind, alert_send
from trader.services.announce import trader_event_publish
from trader.services.audit import audit_record
from trader.services.books import book_current, book_exchange
from trader.services.positions import CloseOutcome, position_close, positions_close_all
from trader.services.status import ControlRefused, lock_trip, status_get

logger = logging.getLogger(__name__)


def book_active(*, status: TraderStatus | None = None, config: TraderConfig | None = None) -> Book:
    """The active book; ``ControlRefused`` when paused (no book, no exchange). ``status`` and
    ``config`` save their reads when the caller has the rows already."""
    book = book_current(status=status or status_get(), config=config)
    if book is None:
        raise ControlRefused("the trader is paused: switch to dry-run or live to act on positions")
    return book


def exchange_current(*, status: TraderStatus | None = None, config: TraderConfig | None = None) -> Exchange:
    """The exchange of the active book; ``ControlRefused`` when paused (no exchange). ``status``
    and ``config`` save their reads when the caller has the rows already."""
    return book_exchange(book=book_active(status=status, config=config))


def position_close_manual(*, symbol: str, actor: Actor, exchange: Exchange | None = None) -> CloseOutcome:
    """Close the position in ``symbol`` now (reason: manual); ``ControlRefused`` if there is none."""
    exchange = exchange or exchange_current()
    if exchange.position(symbol=symbol) is None:
        raise ControlRefused(f"there is no open position in {symbol}")
    with transaction.atomic():
        audit_record(actor=actor, action="position.close", field="symbol", new=symbol)
    trade = position_close(symbol=symbol, reason=CloseReason.MANUAL, exchange=exchange, book=book_active())
    return CloseOutcome(symbol, True, "closed", trade.pnl if trade else None)


def positions_close_all_manual(*, actor: Actor, exchange: Exchange | None = None) -> list[CloseOutcome]:
    """Close every open position (reason: manual), reporting each one's outcome."""
    exchange = exchange or exchange_current()
    with transaction.atomic():
        audit_record(actor=actor, action="positions.close_all")
    return positions_close_all(exchange=exchange, reason=CloseReason.MANUAL, book=book_active())


def emergency_stop(*, actor: Actor, exchange: Exchange | None = None) -> list[CloseOutcome]:
    """Halt (lock: emergency stop), then close every position, reporting each close's outcome.

    The lock is taken first, so no cycle opens anything while the positions are closed;
    it stays until a user clears it.
    """
    with transaction.atomic():
        audit_record(actor=actor, action="emergency_stop")
    lock_trip(kind=LockKind.EMERGENCY_STOP, reason=f"emergency stop by {actor.described}", actor=actor)
    book = book_current()
    try:
        book = book_active()
        exchange = exchange or book_exchange(book=book)
    except (ControlRefused, ExchangeError) as error:
        trades = Trade.objects.open().managed()
        outcomes = [CloseOutcome(trade.symbol, False, f"not closed: {error}")
                    for trade in (trades.in_book(book) if book else trades)]
    else:
        try:
            outcomes = positions_close_all(exchange=exchange, reason=CloseReason.EMERGENCY, book=book)
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
    book = book_active()
    exchange = book_exchange(book=book)
    assert isinstance(exchange, PaperExchange)  # the factory's dry-run exchange
    filled = exchange.prices_refresh()
    if filled:
        logger.info("paper exchange: %d order(s) filled by new prices", len(filled), extra={"category": Category.TRADE})
    return len(filled)


def paper_markets_refresh() -> int:
    """Dry-run on Binance USD-M: cache its market rules from ``exchangeInfo`` for the paper exchange
    (``coinex.paper.markets``); returns how many were stored, 0 in another mode or venue or when
    Binance cannot be asked (the cached or bundled rules stay in force)."""
    from coinex.paper.markets import venue_markets_refresh
    from trader.models import TraderMode

    if status_get().mode != TraderMode.DRY_RUN:
        return 0
    book = book_active()
    try:
        return venue_markets_refresh(venue=book.venue)
    except ExchangeError as error:
        logger.warning("market rules of %s not refreshed (the cached or bundled ones apply): %s", book.venue, error,
                       extra={"category": Category.API})
        return 0
