"""Books (DESIGN.md "Venues and books"): which book is active, its kill-switch ledger, and what
happens to another book's open positions when the trader switches books.

A book is (mode, venue). Only the active book's cycle reads, reconciles and manages its
records. Switching to a book while another book still has open, managed positions needs
an explicit choice (``OpenPositionsChoice``): close them first (through their own
book's exchange), or leave them open and unmanaged (recorded on each trade, audited,
alerted, shown on the API and the trader page). Entering a book takes back its own
unmanaged positions.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from coinex.errors import ExchangeError
from coinex.exchange import Exchange
from coinex.factory import exchange_for_mode
from config.logging import Category
from config.row_cache import RowCache
from trader.models import Book, BookLedger, CloseReason, Trade, TraderConfig, TraderMode, TraderStatus
from trader.services.actor import Actor
from trader.services.alerts import AlertKind, alert_send
from trader.services.audit import audit_record

logger = logging.getLogger(__name__)


class OpenPositionsChoice(StrEnum):
    """What to do with another book's open positions when switching books."""

    CLOSE = "close"
    LEAVE = "leave"


def book_of(*, mode: str, venue: str) -> Book | None:
    """The book of ``mode`` on ``venue``; None when paused (no book is managed)."""
    return None if mode == TraderMode.PAUSED else Book(mode=mode, venue=venue)


def book_current(*, status: TraderStatus | None = None, config: TraderConfig | None = None) -> Book | None:
    """The active book: the status's mode on the config's venue; None when paused."""
    from trader.services.config import config_get
    from trader.services.status import status_get

    status = status or status_get()
    config = config or config_get()
    return book_of(mode=status.mode, venue=config.venue)


def book_exchange(*, book: Book) -> Exchange:
    """The exchange ``book`` lives on (paper for dry-run, the venue's client for live).

    Raises ``ExchangeAuthError`` (live without credentials) or ``VenueUnavailable``.
    """
    exchange = exchange_for_mode(mode=book.mode, venue=book.venue)
    assert exchange is not None  # a book is never paused
    return exchange


_ledgers = RowCache(BookLedger)  # read by every account request: re-read only when it changed


def ledger_get(*, book: Book) -> BookLedger:
    """``book``'s kill-switch ledger (empty references until its first cycle)."""
    return (_ledgers.get(mode=book.mode, venue=book.venue)
            or BookLedger.objects.get_or_create(mode=book.mode, venue=book.venue)[0])


def ledger_equity_track(*, book: Book, equity: Decimal) -> BookLedger:
    """Set ``book``'s starting balance on its first cycle; keep its equity peak (USDT)."""
    ledger = ledger_get(book=book)
    updates = {}
    if ledger.starting_balance is None:
        updates["starting_balance"] = equity
    if ledger.equity_peak is None or equity > ledger.equity_peak:
        updates["equity_peak"] = equity
    if updates:
        BookLedger.objects.filter(pk=ledger.pk).update(**updates)
        ledger.refresh_from_db()
    return ledger


def books_with_open_positions(*, besides: Book) -> dict[Book, list[Trade]]:
    """Every other book's open, managed trades, by book (what a switch to ``besides`` must decide on)."""
    trades: dict[Book, list[Trade]] = {}
    for trade in Trade.objects.open().managed().not_in_book(besides).order_by("opened_at"):
        trades.setdefault(trade.book, []).append(trade)
    return trades


def open_positions_summary(books: dict[Book, list[Trade]]) -> str:
    """``live/coinex: 2 open position(s) (BTCUSDT long, ETHUSDT short)`` for each book."""
    return "; ".join(
        f"{book}: {len(trades)} open position(s) ({', '.join(f'{t.symbol} {t.side}' for t in trades)})"
        for book, trades in books.items()
    )


def book_positions_close(*, book: Book, actor: Actor, exchange: Exchange | None = None) -> list[Trade]:
    """Close ``book``'s open, managed positions at market on its own exchange (reason: manual).

    A record whose position is already gone from the exchange is closed from the
    exchange's fill (reconciliation). Returns the trades still open afterwards (empty on
    success). Raises ``ExchangeError`` when the book's exchange cannot be used at all.
    """
    from trader.cycle.reconcile import ReconcileReport, positions_reconcile
    from trader.services.positions import position_close

    exchange = exchange or book_exchange(book=book)
    with transaction.atomic():
        audit_record(actor=actor, action="book.close_positions", field="book", new=str(book),
                     detail=f"closing the open positions of {book} before leaving it")
    on_exchange = {position.symbol for position in exchange.positions()}
    for trade in Trade.objects.in_book(book).open().managed():
        if trade.symbol not in on_exchange:
            continue
        try:
            position_close(symbol=trade.symbol, reason=CloseReason.MANUAL, exchange=exchange, trade=trade)
        except ExchangeError as error:
            logger.error("could not close %s of %s: %s", trade.symbol, book, error, extra={"category": Category.TRADE})
    positions_reconcile(exchange=exchange, positions=exchange.positions(), report=ReconcileReport(), book=book)
    return list(Trade.objects.in_book(book).open().managed())


def books_leave_unmanaged(*, books: dict[Book, list[Trade]], target: Book, actor: Actor) -> int:
    """Mark the given trades unmanaged (within the caller's transaction), audit and alert each book.

    Returns how many trades were marked.
    """
    now = timezone.now()
    marked = 0
    for book, trades in books.items():
        reason = f"left open and unmanaged when the trader switched from {book} to {target} ({actor.described})"
        ids = [trade.pk for trade in trades]
        marked += Trade.objects.filter(pk__in=ids, unmanaged_at__isnull=True).update(
            unmanaged_at=now, unmanaged_reason=reason)
        symbols = [f"{trade.symbol} {trade.side}" for trade in trades]
        audit_record(actor=actor, action="book.leave_unmanaged", field="positions", new=symbols,
                     detail=f"{book}: {reason}")
        message = (f"{len(trades)} position(s) of {book} left OPEN and UNMANAGED (no stop moved, no exit, "
                   f"no reconciliation) after a switch to {target} by {actor.described}: {', '.join(symbols)}")
        logger.warning(message, extra={"category": Category.TRADE})
        transaction.on_commit(lambda message=message: alert_send(kind=AlertKind.UNMANAGED_POSITIONS,
                                                                 message=message))
    return marked


def book_resume(*, book: Book, actor: Actor) -> int:
    """Take back ``book``'s unmanaged positions (within the caller's transaction); audited. Returns how many."""
    trades = list(Trade.objects.in_book(book).unmanaged())
    if not trades:
        return 0
    Trade.objects.filter(pk__in=[trade.pk for trade in trades]).update(unmanaged_at=None, unmanaged_reason="")
    audit_record(actor=actor, action="book.resume", field="positions",
                 new=[f"{trade.symbol} {trade.side}" for trade in trades],
                 detail=f"{book} is active again: its cycle manages these positions again")
    return len(trades)
