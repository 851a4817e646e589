"""Reads shaped for the API: status with lockfile and last scan, the account, filtered records.

Composes the trader's, TA's and CoinEx's own selectors; the views only parse input and
format what these return.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from coinex.dto import Balance, Position
from coinex.errors import ExchangeError
from coinex.exchange import Exchange
from ta.analysis_selectors import scan_results_latest, ta_scan_last_at
from ta.derivatives_selectors import derivatives_latest_cached
from trader.api.logs import logs_recent
from trader.cycle.run import balance_payload, kill_switch_drawdown_pct, position_payload
from trader.fx.convert import figures_convert
from trader.fx.providers import RateQuote
from trader.models import CycleLog, Decision, EntryOrder, Trade, TraderConfig, TraderStatus
from trader.selectors import heat_overview, status_as_dict
from trader.services.books import ledger_get
from trader.services.config import config_as_dict, config_get
from trader.services.control import book_active, exchange_current
from trader.services.status import ControlRefused, lockfile_path, status_get


def status_overview(*, status: TraderStatus | None = None, config: TraderConfig | None = None) -> dict[str, Any]:
    """The bot's status (mode, on/off, lock, uptime, last cycle/trade) plus the last TA scan
    time and the lockfile: where it is mirrored and whether it is there. ``status`` and
    ``config`` save their reads when the caller has the rows already."""
    data = status_as_dict(status or status_get(), config=config)
    last_scan = ta_scan_last_at()
    data["last_scan_at"] = last_scan.isoformat() if last_scan else None
    path = lockfile_path()
    data["lockfile"] = {"path": str(path) if path else None, "present": bool(path and path.exists())}
    return data


def scan_overview() -> list[dict[str, Any]]:
    """Every coin's latest scan, each with its latest derivatives values (null when none are stored)."""
    latest = derivatives_latest_cached()  # every coin: one index probe while nothing changed
    return [{**item, "derivatives": latest.get(item["symbol"])} for item in scan_results_latest()]


def account_overview(*, exchange: Exchange | None = None, status: TraderStatus | None = None,
                     config: TraderConfig | None = None, balance: Balance | None = None) -> dict[str, Any]:
    """Balance, equity and margin from the exchange of the current mode, with the starting
    balance, the drawdown from the kill switch's reference and the distance to its trigger (%),
    and the book's allocation per strategy with its portfolio heat (trader.cycle.allocator).
    ``status``, ``config`` and ``balance`` save their reads when the caller has them already.

    Raises ``ControlRefused`` when paused, ``ExchangeError`` when the exchange fails.
    """
    status, config = status or status_get(), config or config_get()
    book = book_active(status=status, config=config)
    exchange = exchange or exchange_current(status=status, config=config)
    balance = balance or exchange.balance()
    ledger = ledger_get(book=book)
    drawdown = kill_switch_drawdown_pct(ledger=ledger, config=config, equity=balance.equity)
    data = balance_payload(balance)
    data.update({
        "mode": book.mode,
        "starting_balance": ledger.starting_balance,
        "equity_peak": ledger.equity_peak,
        "drawdown_pct": drawdown.quantize(Decimal("0.01")),
        "kill_switch_drawdown_pct": config.kill_switch_drawdown_pct,
        "kill_switch_distance_pct": (config.kill_switch_drawdown_pct - drawdown).quantize(Decimal("0.01")),
    })
    data.update(heat_overview(book=book, config=config, equity=balance.equity))
    return data



ACCOUNT_MONEY = ("available", "frozen", "margin", "unrealized_pnl", "equity", "starting_balance", "equity_peak",
                 "open_risk")
LOAD_MONEY = ("margin", "notional", "risk")


def account_in_currency(data: dict[str, Any], *, quote: RateQuote) -> dict[str, Any]:
    """``account_overview``'s answer with its money (balances, open risk, the allocation's margin, notional and
    risk) at ``quote``'s rate and the quote itself under ``currency``; percentages stay as they are."""
    converted = figures_convert(data, fields=ACCOUNT_MONEY, quote=quote)
    allocation = data["allocation"]
    converted["allocation"] = {
        "total": figures_convert(allocation["total"], fields=LOAD_MONEY, quote=quote),
        "strategies": {name: figures_convert(row, fields=LOAD_MONEY, quote=quote)
                       for name, row in allocation["strategies"].items()}}
    converted["currency"] = quote.as_dict()
    return converted


def positions_current(*, exchange: Exchange | None = None) -> list[dict[str, Any]]:
    """Open positions on the exchange of the current mode (``ControlRefused`` when paused)."""
    exchange = exchange or exchange_current()
    return [position_payload(position) for position in exchange.positions()]


def positions_and_balance(exchange: Exchange) -> tuple[list[Position], Balance]:
    """The exchange's open positions and balance, in one read where the exchange can (the paper account)."""
    read_both = getattr(exchange, "positions_and_balance", None)
    if read_both is not None:
        return read_both()
    return exchange.positions(), exchange.balance()


def trader_overview() -> dict[str, Any]:
    """Everything the trader page needs at once: status, config, and the exchange's positions
    and balance (null with ``exchange.detail`` saying why when paused or unreachable)."""
    positions = balance = None
    detail = None
    # Read once: the exchange's reads never change the trader's status or config.
    status, config = status_get(), config_get()
    try:
        exchange = exchange_current(status=status, config=config)
        open_positions, account_balance = positions_and_balance(exchange)
        positions = [position_payload(position) for position in open_positions]
        balance = account_overview(exchange=exchange, status=status, config=config, balance=account_balance)
    except (ControlRefused, ExchangeError) as error:
        detail = str(error)
    return {
        "status": status_overview(status=status, config=config),
        "config": config_as_dict(config),
        "positions": positions,
        "balance": balance,
        "exchange": {"available": detail is None, "detail": detail},
    }


def trades_filtered(
    *, symbol: str | None = None, side: str | None = None, state: str | None = None, mode: str | None = None,
    venue: str | None = None, close_reason: str | None = None, since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Trade]:
    """Trades newest first; ``state`` is ``open`` or ``closed``; ``since``/``until`` bound the open time."""
    trades = Trade.objects.all()
    if symbol:
        trades = trades.filter(symbol=symbol)
    if side:
        trades = trades.filter(side=side)
    if state:
        trades = trades.filter(closed_at__isnull=state == "open")
    if mode:
        trades = trades.filter(mode=mode)
    if venue:
        trades = trades.filter(venue=venue)
    if close_reason:
        trades = trades.filter(close_reason=close_reason)
    if since:
        trades = trades.filter(opened_at__gte=since)
    if until:
        trades = trades.filter(opened_at__lt=until)
    return trades.order_by("-opened_at", "-id")


def entry_orders_filtered(
    *, symbol: str | None = None, state: str | None = None, resting: bool | None = None, mode: str | None = None,
    venue: str | None = None, since: datetime | None = None,
) -> QuerySet[EntryOrder]:
    """The order manager's entry orders, newest first, with their lifecycle."""
    orders = EntryOrder.objects.all()
    filters = {"symbol": symbol, "state": state, "resting": resting, "mode": mode, "venue": venue,
               "created_at__gte": since}
    orders = orders.filter(**{name: value for name, value in filters.items() if value is not None and value != ""})
    return orders.order_by("-created_at", "-id")


def decisions_filtered(
    *, symbol: str | None = None, outcome: str | None = None, cycle: int | None = None,
    since: datetime | None = None,
) -> QuerySet[Decision]:
    """The decision log, newest first: every candidate, each rule's verdict and the outcome."""
    decisions = Decision.objects.all()
    if symbol:
        decisions = decisions.filter(symbol=symbol)
    if outcome:
        decisions = decisions.filter(outcome=outcome)
    if cycle:
        decisions = decisions.filter(cycle_id=cycle)
    if since:
        decisions = decisions.filter(at__gte=since)
    return decisions.order_by("-at", "-id")


def cycles_filtered(*, outcome: str | None = None, since: datetime | None = None) -> QuerySet[CycleLog]:
    """Cycle summaries, newest first."""
    cycles = CycleLog.objects.all()
    if outcome:
        cycles = cycles.filter(outcome=outcome)
    if since:
        cycles = cycles.filter(started_at__gte=since)
    return cycles.order_by("-started_at", "-id")


def trader_logs(*, limit: int) -> dict[str, list]:
    """The trader page's activity log: the newest ``limit`` trades, error records, decisions
    (signals and whether they were acted on) and cycle summaries."""
    return {
        "trades": list(trades_filtered()[:limit]),
        "errors": logs_recent(limit=limit, level="error"),
        "signals": list(decisions_filtered()[:limit]),
        "cycles": list(cycles_filtered()[:limit]),
    }
