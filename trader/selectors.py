"""Reads of the trader's state, shaped for the bus, the API and the pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from trader.cycle.allocator import Allocation, OpenPosition, allocation_build, allocation_summary, resting_rest
from trader.models import AuditEntry, Book, BookLedger, EntryOrder, Trade, TraderConfig, TraderMode, TraderStatus


def _money(value) -> str | None:
    return str(value) if value is not None else None


def _plain(value: Decimal) -> str:
    """0.010000000000 -> "0.01"."""
    return format(value.normalize(), "f")


def unmanaged_positions() -> list[dict[str, Any]]:
    """Open positions left unmanaged by a book switch (no cycle manages them), oldest first."""
    return [
        {"trade_id": trade.pk, "symbol": trade.symbol, "side": trade.side, "mode": trade.mode, "venue": trade.venue,
         "size": _plain(trade.size), "entry_price": _plain(trade.entry_price), "opened_at": trade.opened_at.isoformat(),
         "unmanaged_at": trade.unmanaged_at.isoformat(), "reason": trade.unmanaged_reason}
        for trade in Trade.objects.unmanaged().order_by("unmanaged_at", "opened_at")
    ]


def status_as_dict(status: TraderStatus, *, config: TraderConfig | None = None) -> dict[str, Any]:
    """The status as published on ``state:trader:status`` and served by the API: with the venue,
    the active book (null when paused), its kill-switch references and every unmanaged position.
    ``config`` saves its read when the caller has the row already."""
    from trader.services.config import config_get

    venue = (config or config_get()).venue
    book = None if status.mode == TraderMode.PAUSED else Book(mode=status.mode, venue=venue)
    ledger = BookLedger.objects.in_book(book).first() if book else None
    uptime_s = None
    if status.mode != TraderMode.PAUSED and status.started_at:
        uptime_s = int((timezone.now() - status.started_at).total_seconds())
    return {
        "mode": status.mode,
        "enabled": status.enabled,
        "state": "locked" if status.is_locked else ("enabled" if status.enabled else "disabled"),
        "locked": status.is_locked,
        "lock": {
            "kind": status.lock_kind or None,
            "reason": status.lock_reason or None,
            "locked_at": status.locked_at.isoformat() if status.locked_at else None,
        },
        "started_at": status.started_at.isoformat() if status.started_at else None,
        "uptime_s": uptime_s,
        "last_cycle_at": status.last_cycle_at.isoformat() if status.last_cycle_at else None,
        "last_trade_at": status.last_trade_at.isoformat() if status.last_trade_at else None,
        "venue": venue,
        "book": book.as_dict() if book else None,
        "starting_balance": _money(ledger.starting_balance) if ledger else None,
        "equity_peak": _money(ledger.equity_peak) if ledger else None,
        "consecutive_failures": status.consecutive_failures,
        "unmanaged_positions": unmanaged_positions(),
        # Live only: why the venue takes no entries (trader.services.venue_gate); null while open.
        "venue_status": (status.venue_status or None) if status.mode == TraderMode.LIVE else None,
    }


def config_history(*, limit: int = 100) -> list[AuditEntry]:
    """The latest config changes, newest first."""
    return list(AuditEntry.objects.filter(action="config.update").order_by("-at", "-id")[:limit])


def book_allocation(*, book: Book, sl_pct: Decimal, with_resting: bool = False) -> Allocation:
    """What ``book``'s open trades hold per strategy (trader.cycle.allocator), from the records (one query);
    a trade without a risk stop is measured to its stop on the exchange, else to the ``sl_pct`` stop.
    ``with_resting`` (entry decisions): the unfilled rest of each resting limit entry counts too (one
    more query), since it may fill before the next cycle."""
    rows = Trade.objects.in_book(book).open().values_list(
        "strategy", "symbol", "side", "size", "entry_price", "leverage", "margin", "risk_stop_price",
        "stop_loss_price")
    positions = [
        OpenPosition(strategy, symbol, side, size, entry, leverage, margin,
                     risk_stop if risk_stop is not None else exchange_stop)
        for strategy, symbol, side, size, entry, leverage, margin, risk_stop, exchange_stop in rows]
    if with_resting:
        resting = EntryOrder.objects.in_book(book).resting().values_list(
            "strategy", "symbol", "side", "amount", "filled_amount", "limit_price", "signal_price", "leverage",
            "risk_stop_price")
        for strategy, symbol, side, amount, filled, limit_price, signal_price, leverage, stop in resting:
            price = limit_price if limit_price is not None else signal_price
            if price is None:  # a market entry in flight: its trade is recorded when it fills
                continue
            rest = resting_rest(strategy=strategy, symbol=symbol, side=side, amount=amount, filled=filled,
                                price=price, leverage=leverage, stop=stop)
            if rest is not None:
                positions.append(rest)
    return allocation_build(positions=positions, sl_pct=sl_pct)


def heat_overview(*, book: Book, config: TraderConfig, equity: Decimal | None) -> dict[str, Any]:
    """``book``'s open risk, portfolio heat (% of ``equity``; None without it) and its limit, and the
    allocation per strategy (for the API's account and the trader page)."""
    allocation = allocation_summary(allocation=book_allocation(book=book, sl_pct=config.sl_pct), equity=equity)
    return {"open_risk": allocation["total"]["risk"], "portfolio_heat_pct": allocation["total"]["heat_pct"],
            "max_portfolio_heat_pct": config.max_portfolio_heat_pct, "allocation": allocation}
