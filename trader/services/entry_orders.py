"""The order manager: limit entries placed, watched, re-priced, abandoned; fills recorded and protected.

Order of work (STYLE.md: no database lock across a network call): the ``EntryOrder`` row
(with the client id of the order about to be sent) is committed before every placement, so
a restart finds it and adopts the order by client id (or marks it never placed), never
sending a second one. Every cancel is followed by a read of the order's final state: a fill
that raced the cancel is recorded and protected, never lost.

Partial fills: the filled amount is a trade at once, with its stop-loss and take-profit on
the exchange (the position's own stop, which closes whatever the position holds); later
fills grow the trade and move the stop. The decisions themselves are pure and shared with
the backtester (``trader.cycle.orders``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from coinex.dto import MarginMode, Order, OrderType
from coinex.errors import ExchangeError, OrderNotFound, OrderRejected
from coinex.exchange import Exchange
from config.logging import Category
from trader.cycle.orders import EntryOrderSettings, PendingAction, limit_price_for, pending_entry_decide
from trader.cycle.rules import EntryPlan
from trader.models import (
    Book,
    CloseReason,
    EntryOrder,
    EntryOrderState,
    EntryOrderType,
    ProtectionState,
    Trade,
    TraderStatus,
)
from trader.services.announce import trader_event_publish
from trader.services.positions import client_order_id_new, open_side, protective_orders_set, trade_payload

logger = logging.getLogger(__name__)

MONEY = Decimal("1e-8")


@dataclass(frozen=True)
class Protection:
    """The config's exit levels, for the protective orders of a fill."""

    tp_pct: Decimal
    sl_pct: Decimal
    trailing_stop: bool


def _extra(entry: EntryOrder, **fields) -> dict:
    return {"category": Category.TRADE, "correlation_id": entry.correlation_id, "client_id": entry.client_id,
            **fields}


def entry_order_place(*, plan: EntryPlan, exchange: Exchange, book: Book, correlation_id: str,
                      settings: EntryOrderSettings, protection: Protection, now: datetime | None = None) -> EntryOrder:
    """Place ``plan``'s entry as a limit order ``settings.offset_pct`` % better than the signal price;
    its timeout counts from ``now`` (the cycle's time).

    Raises ``OrderRejected`` (the entry is recorded ``rejected``) or another ``ExchangeError``
    (the entry stays pending and the next cycle adopts it by client id).
    """
    candidate = plan.candidate
    market = exchange.market(symbol=candidate.symbol)
    signal_price = candidate.price or exchange.ticker(symbol=candidate.symbol).last_price
    price = limit_price_for(side=candidate.side, reference_price=signal_price, offset_pct=settings.offset_pct,
                            market=market)
    exchange.leverage_set(symbol=candidate.symbol, leverage=plan.leverage, margin_mode=MarginMode.ISOLATED)
    entry = EntryOrder(
        correlation_id=correlation_id, mode=book.mode, venue=book.venue, symbol=candidate.symbol,
        side=candidate.side, strategy=candidate.strategy, score=plan.score, leverage=plan.leverage,
        order_type=EntryOrderType.LIMIT, post_only=settings.post_only, signal_price=signal_price, limit_price=price,
        amount=market.amount_round(plan.amount), client_id=client_order_id_new(purpose="entry"),
        placed_at=now or timezone.now(), risk_stop_price=plan.risk_stop_price,
    )
    entry.event("pending", f"limit {entry.amount.normalize():f} at {price.normalize():f}"
                           f"{' post-only' if entry.post_only else ''} (signal {signal_price.normalize():f})")
    entry.save()  # committed before the exchange is called
    logger.info("limit entry %s %s %s at %s", candidate.side, candidate.symbol, entry.amount, price,
                extra=_extra(entry, score=plan.score))
    _place(entry=entry, exchange=exchange, protection=protection)
    return entry


def _place(*, entry: EntryOrder, exchange: Exchange, protection: Protection) -> None:
    """Send the entry's current order (its row is saved with this client id); record what came back."""
    try:
        order = exchange.order_place(symbol=entry.symbol, side=open_side(entry.side), type=OrderType.LIMIT,
                                     amount=entry.amount, price=entry.limit_price,
                                     client_id=entry.client_id, post_only=entry.post_only)
    except OrderRejected as error:
        _finish(entry, EntryOrderState.REJECTED, str(error))
        raise
    _order_apply(entry=entry, order=order, exchange=exchange, protection=protection)


def _finish(entry: EntryOrder, state: EntryOrderState, detail: str) -> None:
    """The order stopped resting in ``state`` (a fill keeps its filled state)."""
    if entry.filled_amount > 0:
        state = EntryOrderState.FILLED if entry.filled_amount >= entry.amount else EntryOrderState.PARTIALLY_FILLED
    entry.state, entry.resting, entry.detail, entry.finished_at = state, False, detail, timezone.now()
    entry.event(state, detail)
    entry.save()
    logger.info("entry %s %s: %s (%s)", entry.symbol, entry.client_id, state, detail, extra=_extra(entry))
    transaction.on_commit(lambda: trader_event_publish(kind="entry_order", payload=entry_order_payload(entry)))


def _order_apply(*, entry: EntryOrder, order: Order, exchange: Exchange, protection: Protection | None,
                 finish_final: bool = True) -> list[str]:
    """Bring ``entry`` in line with the exchange's ``order`` (its current order): new fills become
    (or grow) the trade and get their protective orders; a final order ends the resting (unless
    ``finish_final`` is False: the caller cancelled it and records why). Without ``protection`` no
    protective order is placed (everything is being closed)."""
    actions = []
    entry.exchange_order_id = order.order_id
    filled = order.filled_amount  # a re-price only ever replaces an order with nothing filled
    if filled > entry.filled_amount and entry.trade_id and Trade.objects.filter(
            pk=entry.trade_id, closed_at__isnull=False).exists():
        # The trade closed (its stop fired) and the rest filled before it was cancelled: a new position the
        # records must not hide in a closed trade. Reconciliation flags and alerts it as unknown.
        entry.event("filled_after_close", f"{(filled - entry.filled_amount).normalize():f} filled after the "
                                          "trade closed: left to reconciliation")
        entry.filled_amount, entry.filled_value, entry.fees = filled, order.filled_value, order.fee
        entry.save()
        actions.append(f"entry {entry.symbol} filled after its trade closed: flagged for reconciliation")
    elif filled > entry.filled_amount:
        entry.filled_amount, entry.filled_value = filled, order.filled_value
        entry.fees = order.fee
        entry.filled_at = entry.filled_at or order.updated_at or timezone.now()
        full = filled >= entry.amount
        entry.state = EntryOrderState.FILLED if full else EntryOrderState.PARTIALLY_FILLED
        entry.event(entry.state, f"{filled.normalize():f} of {entry.amount.normalize():f} at "
                                 f"{entry.average_price.normalize():f}")
        entry.save()
        trade = _trade_record(entry)
        actions.append(f"limit entry {entry.side} {entry.symbol}: {entry.state} "
                       f"{filled.normalize():f} of {entry.amount.normalize():f}")
        if protection is not None:
            actions.extend(_protect(entry=entry, trade=trade, exchange=exchange, protection=protection))
    else:
        entry.save(update_fields=["exchange_order_id", "updated_at"])
    if finish_final and order.status.is_final and entry.resting:
        full = entry.filled_amount >= entry.amount
        _finish(entry, EntryOrderState.FILLED if full else EntryOrderState.CANCELLED,
                "filled" if full else f"the exchange ended the order ({order.status})")
    return actions


def _protect(*, entry: EntryOrder, trade: Trade, exchange: Exchange, protection: Protection) -> list[str]:
    """Place (or move) the stop-loss and take-profit of ``entry``'s trade for what has filled so far."""
    try:
        stop, _take = protective_orders_set(trade=trade, exchange=exchange, tp_pct=protection.tp_pct,
                                            sl_pct=protection.sl_pct, trailing_stop=protection.trailing_stop)
    except ExchangeError as error:
        entry.event("stop_failed", str(error))
        entry.save(update_fields=["history", "updated_at"])
        return [f"protective orders for {entry.symbol} not placed yet: {error}"]
    entry.protection, entry.stop_price = ProtectionState.STOP_PLACED, stop
    entry.stop_placed_at = entry.stop_placed_at or timezone.now()
    entry.event(ProtectionState.STOP_PLACED, f"stop {stop.normalize():f} for {entry.filled_amount.normalize():f}")
    entry.save()
    return []


def _trade_record(entry: EntryOrder) -> Trade:
    """Create the entry's trade at its first fill, or grow it to the filled amount (one trade per entry)."""
    price = entry.average_price.quantize(Decimal("1e-12"))
    size = entry.filled_amount
    margin = (price * size / entry.leverage).quantize(MONEY)
    with transaction.atomic():
        if entry.trade_id is None:
            trade = Trade.objects.create(
                correlation_id=entry.correlation_id, symbol=entry.symbol, side=entry.side, mode=entry.mode,
                venue=entry.venue, size=size, entry_price=price, leverage=entry.leverage, margin=margin,
                fees=entry.fees, opened_at=entry.filled_at, best_price=price, entry_score=entry.score,
                strategy=entry.strategy, risk_stop_price=entry.risk_stop_price,
            )
            EntryOrder.objects.filter(pk=entry.pk).update(trade=trade)
            entry.trade = trade
            TraderStatus.objects.filter(pk=1).update(last_trade_at=timezone.now())
            transaction.on_commit(lambda: trader_event_publish(kind="open", payload=trade_payload(trade)))
        else:
            trade = Trade.objects.select_for_update().get(pk=entry.trade_id)
            trade.size, trade.entry_price, trade.margin, trade.fees = size, price, margin, entry.fees
            trade.save(update_fields=["size", "entry_price", "margin", "fees"])
            entry.trade = trade
    return trade


def entry_orders_manage(*, exchange: Exchange, book: Book, settings: EntryOrderSettings, protection: Protection,
                        now: datetime | None = None) -> list[str]:
    """Adopt, update and time out every resting entry of ``book`` (restart-safe); returns the actions taken.

    An entry whose order the exchange does not know is marked never placed once it is older
    than the exchange's settle window (the order may still land before that).
    """
    now = now or timezone.now()
    actions: list[str] = []
    settled_before = timezone.now() - timedelta(seconds=getattr(exchange, "order_settle_s", 0.0))
    for entry in EntryOrder.objects.in_book(book).resting().order_by("created_at"):
        try:
            actions.extend(_entry_manage(entry=entry, exchange=exchange, settings=settings, protection=protection,
                                         now=now, settled_before=settled_before))
        except ExchangeError as error:
            actions.append(f"entry order {entry.client_id} for {entry.symbol} not managed this cycle: {error}")
            logger.warning("entry order %s not managed: %s", entry.client_id, error, extra=_extra(entry))
    return actions


def _entry_manage(*, entry: EntryOrder, exchange: Exchange, settings: EntryOrderSettings, protection: Protection,
                  now: datetime, settled_before: datetime) -> list[str]:
    order = exchange.order_by_client_id(symbol=entry.symbol, client_id=entry.client_id)
    if order is None:
        if entry.placed_at > settled_before:
            return [f"entry order {entry.client_id} for {entry.symbol} not found yet; it may still land"]
        _finish(entry, EntryOrderState.CANCELLED, "never reached the exchange")
        return [f"entry order {entry.client_id} for {entry.symbol} was not placed"]
    actions = _order_apply(entry=entry, order=order, exchange=exchange, protection=protection)
    if not entry.resting:
        return actions
    if entry.trade_id and Trade.objects.filter(pk=entry.trade_id, closed_at__isnull=False).exists():
        return actions + _cancel(entry, exchange, protection, EntryOrderState.CANCELLED,
                                 "the position was closed while the rest of the order rested")
    price = exchange.ticker(symbol=entry.symbol).last_price
    decision = pending_entry_decide(side=entry.side, signal_price=entry.signal_price, placed_at=entry.placed_at,
                                    now=now, reprices=entry.reprices, filled_amount=entry.filled_amount,
                                    price=price, settings=settings, market=exchange.market(symbol=entry.symbol))
    if decision.action == PendingAction.WAIT:
        return actions
    if decision.action == PendingAction.REPRICE:
        return actions + _reprice(entry, exchange, protection, decision.price, decision.detail, now)
    state = EntryOrderState.ABANDONED if decision.action == PendingAction.ABANDON else EntryOrderState.CANCELLED
    return actions + _cancel(entry, exchange, protection, state, decision.detail)


def _cancel(entry: EntryOrder, exchange: Exchange, protection: Protection | None, state: EntryOrderState,
            detail: str) -> list[str]:
    """Cancel the entry's order and record its final state; a fill that raced the cancel is kept."""
    try:
        order = exchange.order_cancel(symbol=entry.symbol, order_id=entry.exchange_order_id)
    except OrderNotFound:  # it finished (filled) before the cancel arrived
        order = exchange.order_by_id(symbol=entry.symbol, order_id=entry.exchange_order_id)
    actions = _order_apply(entry=entry, order=order, exchange=exchange, protection=protection,
                           finish_final=False) if order else []
    _finish(entry, state, detail)
    return [*actions, f"limit entry {entry.side} {entry.symbol}: {entry.state} ({detail})"]


def _reprice(entry: EntryOrder, exchange: Exchange, protection: Protection, price: Decimal, detail: str,
             now: datetime) -> list[str]:
    """Cancel the unfilled order and place it again at ``price``; a fill racing the cancel ends the entry instead."""
    try:
        order = exchange.order_cancel(symbol=entry.symbol, order_id=entry.exchange_order_id)
    except OrderNotFound:
        order = exchange.order_by_id(symbol=entry.symbol, order_id=entry.exchange_order_id)
    actions = _order_apply(entry=entry, order=order, exchange=exchange, protection=protection,
                           finish_final=False) if order else []
    if entry.filled_amount > 0:
        _finish(entry, EntryOrderState.PARTIALLY_FILLED, "filled while being re-priced: the filled part is kept")
        return actions
    entry.client_id = client_order_id_new(purpose="entry")
    entry.limit_price, entry.reprices, entry.placed_at, entry.exchange_order_id = price, entry.reprices + 1, now, ""
    entry.state = EntryOrderState.PENDING
    entry.event("repriced", detail)
    entry.save()  # the new client id is committed before the order is sent
    try:
        _place(entry=entry, exchange=exchange, protection=protection)
    except OrderRejected as error:
        return [*actions, f"re-priced entry {entry.symbol} rejected: {error}"]
    return [*actions, f"limit entry {entry.side} {entry.symbol}: {detail}"]


def entry_orders_cancel_all(*, exchange: Exchange, book: Book, reason: str) -> list[str]:
    """Cancel every resting entry of ``book`` (kill switch, emergency stop, close-all) before its positions
    are closed; fills up to the cancel are recorded as trades (so the close finds them), unprotected."""
    actions: list[str] = []
    for entry in EntryOrder.objects.in_book(book).resting().order_by("created_at"):
        try:
            if not entry.exchange_order_id:  # placed but its answer never recorded: find it first
                order = exchange.order_by_client_id(symbol=entry.symbol, client_id=entry.client_id)
                if order is None:
                    _finish(entry, EntryOrderState.CANCELLED, f"{reason}: not on the exchange")
                    continue
                entry.exchange_order_id = order.order_id
            actions.extend(_cancel(entry, exchange, None, EntryOrderState.CANCELLED, reason))
        except ExchangeError as error:
            actions.append(f"entry order {entry.client_id} for {entry.symbol} could not be cancelled: {error}")
            logger.error("entry order %s not cancelled: %s", entry.client_id, error, extra=_extra(entry))
    return actions


def entry_orders_close_track(*, trade: Trade, reason: CloseReason, closed_at: datetime) -> None:
    """The trade of these entries closed: its stop fired (stop triggered) or it was closed otherwise."""
    stopped = reason in (CloseReason.STOP_LOSS, CloseReason.TRAILING)
    protection = ProtectionState.STOP_TRIGGERED if stopped else ProtectionState.CLOSED
    for entry in EntryOrder.objects.filter(trade=trade).exclude(protection=protection):
        entry.protection, entry.closed_at = protection, closed_at
        entry.event(protection, f"{reason.label}", at=closed_at)
        entry.save(update_fields=["protection", "closed_at", "history", "updated_at"])


def entry_orders_resting_symbols(*, book: Book) -> set[str]:
    """Symbols with an entry order resting in ``book``: no second entry while one may still fill."""
    return set(EntryOrder.objects.in_book(book).resting().values_list("symbol", flat=True))


def entry_order_payload(entry: EntryOrder) -> dict:
    """An entry order as the API, the event bus and the trader page show it."""
    def text(value):
        return None if value is None else f"{Decimal(value).normalize():f}"

    return {
        "id": entry.pk, "correlation_id": entry.correlation_id, "symbol": entry.symbol, "side": entry.side,
        "mode": entry.mode, "venue": entry.venue, "strategy": entry.strategy, "order_type": entry.order_type,
        "post_only": entry.post_only, "signal_price": text(entry.signal_price), "limit_price": text(entry.limit_price),
        "amount": text(entry.amount), "filled_amount": text(entry.filled_amount),
        "average_price": text(entry.average_price), "fees": text(entry.fees), "reprices": entry.reprices,
        "state": entry.state, "resting": entry.resting, "protection": entry.protection or None,
        "stop_price": text(entry.stop_price), "trade_id": entry.trade_id, "client_id": entry.client_id,
        "detail": entry.detail, "history": entry.history,
        "created_at": entry.created_at.isoformat() if entry.created_at else None,
        "filled_at": entry.filled_at.isoformat() if entry.filled_at else None,
        "finished_at": entry.finished_at.isoformat() if entry.finished_at else None,
        "stop_placed_at": entry.stop_placed_at.isoformat() if entry.stop_placed_at else None,
        "closed_at": entry.closed_at.isoformat() if entry.closed_at else None,
    }
