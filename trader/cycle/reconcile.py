"""Bringing one book's records in line with its exchange, at the start of every cycle.

- Pending order intents (a crash between order and record) are resolved by client id;
  one the exchange cannot find yet stays pending while the order (or the client's one
  resend) could still land (``order_settle_s``: the venue's request windows), and only
  then counts as not placed.
- A recorded open trade whose position is gone is closed in the records, with the
  reason the price tells (its stop-loss or take-profit fired on the exchange, or, from the
  exchange's own fill at or beyond the liquidation price last seen, a liquidation) or
  ``reconcile``.
- A position on the exchange the bot did not open is flagged and alerted, never
  adopted silently.
- A recorded trade whose position differs in size or side from the record (a duplicate
  order, a partial fill, a manual change) is flagged on the trade (``exchange_size``) and
  alerted once per change, never corrected silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from coinex.dto import Market, Order, OrderSide, Position, PositionSide
from coinex.errors import ExchangeError
from coinex.exchange import Exchange
from config.logging import Category
from trader.models import Book, CloseReason, OrderIntent, Side, Trade
from trader.services.alerts import AlertKind, alert_send
from trader.services.positions import intent_complete_close, intent_complete_open, trade_close_record

logger = logging.getLogger(__name__)

DEFAULT_TAKER_FEE_RATE = Decimal("0.0005")


@dataclass
class ReconcileReport:
    actions: list[str] = field(default_factory=list)
    unknown_positions: list[str] = field(default_factory=list)
    size_mismatches: list[str] = field(default_factory=list)


def intents_resolve(*, exchange: Exchange, report: ReconcileReport, book: Book) -> None:
    """Settle every pending intent of ``book`` from its exchange's own record of the order.

    An intent the exchange has no order for is marked not placed only once it is older
    than ``exchange.order_settle_s`` (0 when the exchange answers synchronously): before
    that, the order may still be on its way and land.
    """
    settled_before = timezone.now() - timedelta(seconds=getattr(exchange, "order_settle_s", 0.0))
    for intent in OrderIntent.objects.in_book(book).filter(state=OrderIntent.State.PENDING).order_by("created_at"):
        try:
            order = exchange.order_by_client_id(symbol=intent.symbol, client_id=intent.client_id)
        except ExchangeError as error:
            logger.warning("pending order %s not resolved yet: %s", intent.client_id, error,
                           extra={"category": Category.TRADE, "correlation_id": intent.correlation_id})
            continue
        if order is not None and order.filled_amount > 0:
            if intent.purpose == OrderIntent.Purpose.OPEN:
                intent_complete_open(intent=intent, order=order)
            else:
                intent_complete_close(intent=intent, order=order)
            report.actions.append(f"recovered {intent.purpose} {intent.symbol} from its client id {intent.client_id}")
        elif order is None and intent.created_at > settled_before:
            report.actions.append(f"order {intent.client_id} for {intent.symbol} not found yet; it may still land")
        elif order is None:
            intent.state = OrderIntent.State.NOT_PLACED
            intent.detail = "the exchange has no order with this client id"
            intent.save(update_fields=["state", "detail", "updated_at"])
            report.actions.append(f"order {intent.client_id} for {intent.symbol} was not placed")


def _reason_from_price(trade: Trade, price: Decimal, *, fill_tick: Decimal | None = None) -> CloseReason:
    """Which protective order closed ``trade`` at ``price``; ``reconcile`` when neither explains it.

    A stop beyond the entry on the profitable side is the trailing stop. With ``fill_tick`` (``price``
    is the exchange's own fill; the market's tick), a fill at or beyond the liquidation price last
    seen, within one tick (the exchange shows that price rounded), is a liquidation.
    """
    long = trade.side == Side.LONG
    liquidation = trade.liquidation_price
    if fill_tick is not None and liquidation is not None and (
            price <= liquidation + fill_tick if long else price >= liquidation - fill_tick):
        return CloseReason.LIQUIDATION
    stop, take = trade.stop_loss_price, trade.take_profit_price
    if stop is not None and (price <= stop if long else price >= stop):
        trailed = stop > trade.entry_price if long else stop < trade.entry_price
        return CloseReason.TRAILING if trailed else CloseReason.STOP_LOSS
    if take is not None and (price >= take if long else price <= take):
        return CloseReason.TAKE_PROFIT
    return CloseReason.RECONCILE


def closing_order_find(*, exchange: Exchange, trade: Trade) -> Order | None:
    """The exchange's own order that closed ``trade`` (its TP/SL or a liquidation), if it reports one.

    The most recent filled order of the symbol on the closing side, placed after the trade
    opened, that is not one of the bot's own orders.
    """
    closing_side = OrderSide.SELL if trade.side == Side.LONG else OrderSide.BUY
    own_ids = set(OrderIntent.objects.in_book(trade.book).filter(symbol=trade.symbol)
                  .values_list("client_id", flat=True))
    for order in exchange.orders_finished(symbol=trade.symbol):
        if (order.side == closing_side and order.filled_amount > 0 and order.created_at >= trade.opened_at
                and order.client_id not in own_ids):
            return order
    return None


def positions_reconcile(*, exchange: Exchange, positions: list[Position], report: ReconcileReport,
                        book: Book) -> None:
    """Close ``book``'s records of vanished positions; flag positions ``book`` has no record of.

    ``exchange`` and ``positions`` are ``book``'s: another book's records are never compared with them.
    """
    by_symbol = {p.symbol: p for p in positions}
    for trade in Trade.objects.in_book(book).open().managed():
        if trade.symbol in by_symbol:
            continue
        try:
            order = closing_order_find(exchange=exchange, trade=trade)
        except ExchangeError:
            order = None
        if order is not None and order.average_price:
            # What really happened: the fill price and fee of the exchange's own close.
            exit_price, close_fee = order.average_price, order.fee
            market = _market(exchange, trade.symbol)
            reason = _reason_from_price(trade, exit_price, fill_tick=market.tick_size if market else Decimal(0))
            closed_at = order.updated_at
        else:
            try:
                price = exchange.ticker(symbol=trade.symbol).last_price
            except ExchangeError:
                price = trade.best_price or trade.entry_price
            reason = _reason_from_price(trade, price)
            exit_price = {CloseReason.STOP_LOSS: trade.stop_loss_price, CloseReason.TRAILING: trade.stop_loss_price,
                          CloseReason.TAKE_PROFIT: trade.take_profit_price}.get(reason) or price
            market = _market(exchange, trade.symbol)
            close_fee = exit_price * trade.size * (market.taker_fee_rate if market else DEFAULT_TAKER_FEE_RATE)
            closed_at = timezone.now()
        trade_close_record(trade=trade, exit_price=exit_price, close_fee=close_fee, reason=reason, closed_at=closed_at)
        source = "the exchange's fill" if order is not None else "an estimate (no fill reported)"
        report.actions.append(f"{trade.symbol} {trade.side} is gone from the exchange: recorded as {reason.label} "
                              f"from {source}")
    for trade in Trade.objects.in_book(book).open().filter(symbol__in=by_symbol):
        _size_compare(trade=trade, position=by_symbol[trade.symbol], report=report)
    recorded = set(Trade.objects.in_book(book).open().values_list("symbol", flat=True))
    for symbol, position in by_symbol.items():
        if symbol not in recorded:
            report.unknown_positions.append(symbol)
            message = (f"{position.side} {symbol} amount {position.amount} is open on the exchange but was not "
                       "opened by the bot; it is left alone and counts against max_positions")
            report.actions.append(f"flagged unknown position {symbol}")
            alert_send(kind=AlertKind.UNKNOWN_POSITION, message=message)


def _size_compare(*, trade: Trade, position: Position, report: ReconcileReport) -> None:
    """Flag and alert (once per change) a position whose size or side is not the recorded one."""
    same_side = (position.side == PositionSide.LONG) == (trade.side == Side.LONG)
    exchange_size = position.amount if same_side else -position.amount
    mismatch = exchange_size != trade.size
    flagged = exchange_size if mismatch else None
    if flagged == trade.exchange_size:
        if mismatch:
            report.size_mismatches.append(trade.symbol)
        return
    Trade.objects.filter(pk=trade.pk).update(exchange_size=flagged)
    if not mismatch:
        report.actions.append(f"{trade.symbol}: the exchange's size matches the record again ({trade.size})")
        return
    report.size_mismatches.append(trade.symbol)
    message = (f"{trade.symbol}: recorded {trade.side} {trade.size.normalize():f}, the exchange holds "
               f"{position.side} {position.amount.normalize():f}; the record is not changed: check the exchange "
               "(a duplicate order?)")
    report.actions.append(f"flagged size mismatch {message}")
    alert_send(kind=AlertKind.SIZE_MISMATCH, message=message)


def _market(exchange: Exchange, symbol: str) -> Market | None:
    """The market's rules, or None when the exchange cannot say now (the caller falls back)."""
    try:
        return exchange.market(symbol=symbol)
    except ExchangeError:
        return None
