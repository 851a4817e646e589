"""Opening and closing positions: record the intent, call the exchange, record the result.

Order of work (STYLE.md: never hold a database lock across a network call): an
``OrderIntent`` is committed before the exchange is called, so a crash between the
order and its record leaves a pending intent that the next cycle resolves by looking
the order up by its client id, never by sending it again.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from coinex.dto import MarginMode, Order, OrderSide, OrderType, Position
from coinex.errors import ExchangeError, OrderRejected
from coinex.exchange import Exchange
from config.logging import Category
from trader.cycle.exits import protective_levels
from trader.cycle.rules import EntryPlan
from trader.models import Book, CloseReason, OrderIntent, Side, Trade, TraderStatus
from trader.services.announce import trader_event_publish

logger = logging.getLogger(__name__)

HUNDRED = Decimal(100)


def correlation_id_new() -> str:
    """A fresh id that follows one signal through its orders, fills and exit."""
    return f"sig-{uuid.uuid4().hex[:16]}"


def client_order_id_new(*, purpose: str) -> str:
    """A client order id: unique, at most 32 characters as CoinEx allows."""
    return f"ct{purpose[0]}{secrets.token_hex(12)}"


def _log_extra(correlation_id: str, **fields) -> dict:
    return {"category": Category.TRADE, "correlation_id": correlation_id, **fields}


def open_side(side: str) -> OrderSide:
    return OrderSide.BUY if side == Side.LONG else OrderSide.SELL


def position_open(*, plan: EntryPlan, exchange: Exchange, book: Book, correlation_id: str) -> Trade:
    """Open the position ``plan`` describes on ``book``'s ``exchange`` and record the trade in ``book``.

    Raises ``OrderRejected`` (recorded on the intent) or another ``ExchangeError`` (the
    intent stays pending and is resolved by client id next cycle).
    """
    candidate = plan.candidate
    exchange.leverage_set(symbol=candidate.symbol, leverage=plan.leverage, margin_mode=MarginMode.ISOLATED)
    intent = OrderIntent.objects.create(
        client_id=client_order_id_new(purpose="open"), correlation_id=correlation_id, symbol=candidate.symbol,
        mode=book.mode, venue=book.venue, purpose=OrderIntent.Purpose.OPEN, side=candidate.side, amount=plan.amount,
        leverage=plan.leverage, margin=plan.margin, strategy=candidate.strategy, entry_score=plan.score,
        risk_stop_price=plan.risk_stop_price,
    )
    logger.info("opening %s %s amount %s at %sx", candidate.side, candidate.symbol, plan.amount, plan.leverage,
                extra=_log_extra(correlation_id, client_id=intent.client_id, score=plan.score))
    try:
        order = exchange.order_place(symbol=candidate.symbol, side=open_side(candidate.side), type=OrderType.MARKET,
                                     amount=plan.amount, client_id=intent.client_id)
    except OrderRejected as error:
        OrderIntent.objects.filter(pk=intent.pk).update(state=OrderIntent.State.REJECTED, detail=str(error))
        raise
    return intent_complete_open(intent=intent, order=order)


def intent_complete_open(*, intent: OrderIntent, order: Order) -> Trade:
    """Record the trade an open order filled (idempotent per intent), in the intent's book, with the
    strategy, score and risk stop the intent carries (the same whether the answer came or a later
    cycle recovered the fill by client id)."""
    with transaction.atomic():
        intent = OrderIntent.objects.select_for_update().get(pk=intent.pk)
        if intent.trade_id:
            return intent.trade
        price = order.average_price or order.price
        size = order.filled_amount
        leverage = intent.leverage or 1
        trade = Trade.objects.create(
            correlation_id=intent.correlation_id, symbol=intent.symbol, side=intent.side, mode=intent.mode,
            venue=intent.venue,
            size=size, entry_price=price, leverage=leverage, margin=(price * size / leverage).quantize(Decimal("1e-8")),
            fees=order.fee, opened_at=order.created_at or timezone.now(), best_price=price,
            entry_score=intent.entry_score, strategy=intent.strategy, risk_stop_price=intent.risk_stop_price,
        )
        intent.state = OrderIntent.State.FILLED
        intent.exchange_order_id = order.order_id
        intent.trade = trade
        intent.save(update_fields=["state", "exchange_order_id", "trade", "updated_at"])
        TraderStatus.objects.filter(pk=1).update(last_trade_at=timezone.now())
    logger.info("opened %s %s size %s at %s", trade.side, trade.symbol, size, price,
                extra=_log_extra(trade.correlation_id, trade_id=trade.pk, fee=str(order.fee)))
    transaction.on_commit(lambda: trader_event_publish(kind="open", payload=trade_payload(trade)))
    return trade


def protective_orders_set(*, trade: Trade, exchange: Exchange, tp_pct: Decimal, sl_pct: Decimal,
                          trailing_stop: bool) -> tuple[Decimal, Decimal]:
    """Place (or move) the position's stop-loss and take-profit on the exchange; record them."""
    levels = protective_levels(side=trade.side, entry_price=trade.entry_price, leverage=trade.leverage,
                               best_price=trade.best_price, tp_pct=tp_pct, sl_pct=sl_pct,
                               trailing_stop=trailing_stop, stop_price=trade.risk_stop_price)
    market = exchange.market(symbol=trade.symbol)
    stop, take = market.price_round(levels.stop_loss), market.price_round(levels.take_profit)
    exchange.position_stop_loss_set(symbol=trade.symbol, price=stop)
    exchange.position_take_profit_set(symbol=trade.symbol, price=take)
    Trade.objects.filter(pk=trade.pk).update(stop_loss_price=stop, take_profit_price=take)
    trade.stop_loss_price, trade.take_profit_price = stop, take
    return stop, take


def position_close(
    *, symbol: str, reason: CloseReason, exchange: Exchange, trade: Trade | None = None, book: Book | None = None,
) -> Trade | None:
    """Close the whole position in ``symbol`` at market on ``exchange`` and record the exit on its trade.

    ``trade`` is the open record; without it, ``book`` (required then, the book ``exchange``
    belongs to) is searched for one. A position with no record is still closed, and the
    close is logged. Returns the closed trade, or None.
    """
    if trade is None and book is None:
        raise TypeError("position_close needs the trade or the book the exchange belongs to")
    book = trade.book if trade is not None else book
    trade = trade or Trade.objects.in_book(book).open().filter(symbol=symbol).first()
    correlation_id = trade.correlation_id if trade else correlation_id_new()
    side = trade.side if trade else Side.LONG
    intent = OrderIntent.objects.create(
        client_id=client_order_id_new(purpose="close"), correlation_id=correlation_id, symbol=symbol,
        mode=book.mode, venue=book.venue, purpose=OrderIntent.Purpose.CLOSE, side=side,
        amount=trade.size if trade else Decimal(0),
        close_reason=reason, trade=trade,
    )
    logger.info("closing %s (%s)", symbol, reason.label, extra=_log_extra(correlation_id, client_id=intent.client_id))
    try:
        order = exchange.position_close(symbol=symbol, client_id=intent.client_id)
    except OrderRejected as error:
        OrderIntent.objects.filter(pk=intent.pk).update(state=OrderIntent.State.REJECTED, detail=str(error))
        raise
    return intent_complete_close(intent=intent, order=order)


def intent_complete_close(*, intent: OrderIntent, order: Order) -> Trade | None:
    """Record the exit a close order filled (idempotent per intent)."""
    with transaction.atomic():
        intent = OrderIntent.objects.select_for_update().get(pk=intent.pk)
        intent.state = OrderIntent.State.FILLED
        intent.exchange_order_id = order.order_id
        intent.save(update_fields=["state", "exchange_order_id", "updated_at"])
        trade = Trade.objects.select_for_update().filter(pk=intent.trade_id, closed_at__isnull=True).first()
        if trade is None:
            return None
        exit_price = order.average_price or order.price
        trade_close_record(trade=trade, exit_price=exit_price, close_fee=order.fee,
                           reason=CloseReason(intent.close_reason), closed_at=order.updated_at or timezone.now())
        TraderStatus.objects.filter(pk=1).update(last_trade_at=timezone.now())
    return trade


def trade_close_record(*, trade: Trade, exit_price: Decimal, close_fee: Decimal, reason: CloseReason,
                       closed_at) -> Trade:
    """Fill in the exit: price, fees, PnL net of fees and PnL % of margin."""
    gross = (exit_price - trade.entry_price) * trade.size
    if trade.side == Side.SHORT:
        gross = -gross
    trade.exit_price = exit_price
    trade.fees = trade.fees + close_fee
    trade.pnl = (gross - trade.fees).quantize(Decimal("1e-8"))
    trade.pnl_pct = (trade.pnl / trade.margin * HUNDRED).quantize(Decimal("1e-4")) if trade.margin else Decimal(0)
    trade.closed_at = closed_at
    trade.close_reason = reason
    trade.save(update_fields=["exit_price", "fees", "pnl", "pnl_pct", "closed_at", "close_reason"])
    from trader.services.entry_orders import entry_orders_close_track  # it builds on this module

    entry_orders_close_track(trade=trade, reason=reason, closed_at=closed_at)
    logger.info("closed %s %s (%s): pnl %s (%s%% of margin)", trade.side, trade.symbol, reason.label, trade.pnl,
                trade.pnl_pct, extra=_log_extra(trade.correlation_id, trade_id=trade.pk))
    kind = {CloseReason.TAKE_PROFIT: "tp_hit", CloseReason.STOP_LOSS: "sl_hit"}.get(reason, "close")
    transaction.on_commit(lambda: trader_event_publish(kind=kind, payload=trade_payload(trade)))
    return trade


@dataclass(frozen=True)
class CloseOutcome:
    """What happened to one position in a close-all: closed (with its PnL) or the error."""

    symbol: str
    closed: bool
    detail: str
    pnl: Decimal | None = None

    def as_dict(self) -> dict:
        return {"symbol": self.symbol, "closed": self.closed, "detail": self.detail,
                "pnl": str(self.pnl) if self.pnl is not None else None}


def trades_liquidation_track(*, positions: list[Position], book: Book) -> int:
    """Store each of ``book``'s open trades' liquidation price as its exchange reports it now (how reconciliation
    tells a liquidation from a stop-loss once the position is gone). Returns how many trades changed."""
    by_symbol = {p.symbol: p.liquidation_price for p in positions}
    changed = 0
    for trade in Trade.objects.in_book(book).open().managed().filter(symbol__in=by_symbol):
        price = by_symbol[trade.symbol]
        if price is not None and price != trade.liquidation_price:
            changed += Trade.objects.filter(pk=trade.pk).update(liquidation_price=price)
    return changed


def positions_close_all(*, exchange: Exchange, reason: CloseReason, book: Book,
                        positions: list[Position] | None = None) -> list[CloseOutcome]:
    """Close every open position on ``book``'s exchange, one by one; one failure never stops the rest.
    Resting entry orders are cancelled first, so none can open a position behind the close."""
    from trader.services.entry_orders import entry_orders_cancel_all  # it builds on this module

    if entry_orders_cancel_all(exchange=exchange, book=book, reason=f"cancelled by the {reason.label}"):
        positions = None  # a fill racing the cancel may have changed them: read them again
    outcomes = []
    for position in positions if positions is not None else exchange.positions():
        try:
            trade = position_close(symbol=position.symbol, reason=reason, exchange=exchange, book=book)
        except ExchangeError as error:
            logger.error("could not close %s: %s", position.symbol, error, extra={"category": Category.TRADE})
            outcomes.append(CloseOutcome(position.symbol, False, str(error)))
            continue
        pnl = trade.pnl if trade else None
        outcomes.append(CloseOutcome(position.symbol, True, "closed" if trade else "closed (no bot record)", pnl))
    return outcomes


def trade_payload(trade: Trade) -> dict:
    """A trade as published on ``trader:events`` and pushed to the trader page."""
    return {
        "trade_id": trade.pk, "correlation_id": trade.correlation_id, "symbol": trade.symbol, "side": trade.side,
        "size": str(trade.size), "entry_price": str(trade.entry_price), "leverage": trade.leverage,
        "margin": str(trade.margin),
        "exit_price": str(trade.exit_price) if trade.exit_price is not None else None,
        "pnl": str(trade.pnl) if trade.pnl is not None else None,
        "pnl_pct": str(trade.pnl_pct) if trade.pnl_pct is not None else None,
        "fees": str(trade.fees), "close_reason": trade.close_reason or None,
        "opened_at": trade.opened_at.isoformat(), "closed_at": trade.closed_at.isoformat() if trade.closed_at else None,
    }
