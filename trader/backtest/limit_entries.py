"""Limit entries in a backtest: resting orders, part fills, timeouts and re-prices, as the live bot does.

The same code as live: the limit price and every timeout decision come from
``trader.cycle.orders`` (what the live order manager asks), and fills come from the paper
exchange's engine (``SimulatedAccount.price_update`` and its one fill rule,
``coinex.simulator.fills``). Per step, for each resting entry:

1. the candle's extreme towards the order (the low for a buy, the high for a sell), then its
   close, are fed to the engine: through the limit fills the rest, a touch fills part (the
   queue model), and the close is the mark a re-priced post-only order is checked against;
2. new fills become (or grow) the run's open trade, with its protective levels;
3. at the close, ``pending_entry_decide`` (as the live cycle at that time): wait, re-price at
   the offset from the close, abandon, cancel, or keep the filled part and cancel the rest.

The entry's transitions are kept in ``RunResult.extra["entry_orders"]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from coinex.dto import OrderSide, OrderType
from coinex.errors import OrderNotFound, OrderRejected
from trader.cycle.orders import EntryOrderSettings, PendingAction, limit_price_for, pending_entry_decide
from trader.cycle.rules import EntryPlan
from trader.models import Side


@dataclass(slots=True)
class PendingEntry:
    """One resting limit entry of a run."""

    plan: EntryPlan
    order_id: int
    signal_price: Decimal
    limit_price: Decimal
    placed_at: datetime
    reprices: int = 0
    filled: Decimal = Decimal(0)
    events: list[dict] = field(default_factory=list)


class LimitEntries:
    """The resting-limit part of ``PortfolioRun`` (it provides ``account``, ``open``, ``now``, ``markets``)."""

    pending: dict[str, PendingEntry]
    entry_order_events: list[dict]

    def _entry_orders(self) -> EntryOrderSettings:
        return self.settings.entry_orders

    def _event(self, entry: PendingEntry, event: str) -> None:
        symbol = entry.plan.candidate.symbol
        record = {"at": self.now, "symbol": symbol, "event": event, "limit_price": entry.limit_price,
                  "filled": entry.filled, "reprices": entry.reprices,
                  "resting": event != "filled" and self.pending.get(symbol) is entry}
        entry.events.append(record)
        self.entry_order_events.append(record)

    def _limit_open(self, plan: EntryPlan, signal_price: Decimal) -> None:
        """Place ``plan``'s entry as a limit order at the offset from ``signal_price`` (the close)."""
        settings, symbol = self._entry_orders(), plan.candidate.symbol
        market = self.markets[symbol]
        price = limit_price_for(side=plan.candidate.side, reference_price=signal_price,
                                offset_pct=settings.offset_pct, market=market)
        try:
            order = self._limit_send(plan, price)
        except OrderRejected:
            self.rejected += 1
            return
        entry = PendingEntry(plan=plan, order_id=order.order_id, signal_price=signal_price, limit_price=price,
                             placed_at=self.now)
        self.pending[symbol] = entry
        self._event(entry, "pending")
        self._limit_sync(symbol)

    def _limit_send(self, plan: EntryPlan, price: Decimal):
        side = OrderSide.BUY if plan.candidate.side == Side.LONG else OrderSide.SELL
        return self.account.order_place(symbol=plan.candidate.symbol, side=side, type=OrderType.LIMIT,
                                        amount=self.markets[plan.candidate.symbol].amount_round(plan.amount),
                                        price=price, client_id=None, post_only=self._entry_orders().post_only)

    def _limit_step(self, column: int, step: int, symbol: str) -> None:
        """Steps 1-3 of the module docstring for the resting entry of ``symbol``."""
        grid, entry = self.grid, self.pending[symbol]
        high, low, close = grid.high[step, column], grid.low[step, column], grid.close[step, column]
        if close != close:  # NaN: no candle for this symbol at this step
            return
        from trader.backtest.portfolio import _decimal

        extreme = low if entry.plan.candidate.side == Side.LONG else high
        for price in (extreme, close):  # the candle's extreme reaches the order, then the close is the mark
            self.account.price_update(symbol=symbol, price=_decimal(price))
            self._limit_sync(symbol)
            if symbol not in self.pending:
                return
        decision = pending_entry_decide(side=entry.plan.candidate.side, signal_price=entry.signal_price,
                                        placed_at=entry.placed_at, now=self.now, reprices=entry.reprices,
                                        filled_amount=entry.filled, price=_decimal(close),
                                        settings=self._entry_orders(), market=self.markets[symbol])
        if decision.action == PendingAction.WAIT:
            return
        self._limit_cancel(symbol)
        if decision.action == PendingAction.REPRICE and not entry.filled:
            try:
                order = self._limit_send(entry.plan, decision.price)
            except OrderRejected:
                self.pending.pop(symbol)
                self.rejected += 1
                self._event(entry, "rejected")
                return
            entry.order_id, entry.limit_price, entry.placed_at = order.order_id, decision.price, self.now
            entry.reprices += 1
            self._event(entry, "repriced")
            self._limit_sync(symbol)
            return
        self.pending.pop(symbol)
        if entry.filled:  # kept as the trade (a fill that raced the cancel included)
            if entry.events[-1]["event"] != "filled":
                self._event(entry, "partially_filled")
        else:
            self._event(entry, "abandoned" if decision.action == PendingAction.ABANDON else "cancelled")

    def _limit_cancel(self, symbol: str) -> None:
        """Cancel the resting order; fills up to the cancel are kept (a filled order has nothing to cancel)."""
        entry = self.pending[symbol]
        try:
            self.account.order_cancel(symbol=symbol, order_id=entry.order_id)
        except OrderNotFound:
            pass
        self._limit_sync(symbol, cancelling=True)

    def _limit_drop(self, symbol: str, event: str) -> None:
        """Cancel the rest of ``symbol``'s resting entry for good (its trade closes, the run ends)."""
        if symbol in self.pending:
            self._limit_cancel(symbol)
            entry = self.pending.pop(symbol, None)
            if entry is not None:
                self._event(entry, "partially_filled" if entry.filled else event)

    def _limit_sync(self, symbol: str, *, cancelling: bool = False) -> None:
        """New fills of the resting order become (or grow) the run's open trade; an order the engine
        finished (filled, or cancelled for want of margin) stops resting unless the caller is cancelling it."""
        entry = self.pending[symbol]
        order = self.account.state.orders.get(entry.order_id)
        if order is None:  # finished and pruned
            self.pending.pop(symbol)
            return
        if order.filled_amount > entry.filled:
            entry.filled = order.filled_amount
            self._limit_trade(entry, order)
            self._event(entry, "filled" if order.filled_amount >= order.amount else "partially_filled")
        if order.status.is_final and not cancelling:
            self.pending.pop(symbol)
            if order.filled_amount < order.amount:
                self._event(entry, "partially_filled" if entry.filled else "cancelled")

    def _limit_trade(self, entry: PendingEntry, order) -> None:
        from trader.backtest.portfolio import TradeResult

        symbol = entry.plan.candidate.symbol
        position = self.account.state.positions.get(symbol)
        price = order.filled_value / order.filled_amount
        trade = self.open.get(symbol)
        if trade is None:
            plan = entry.plan
            trade = self.open[symbol] = TradeResult(
                symbol=symbol, side=str(plan.candidate.side), entry_time=self.now, entry_price=price,
                amount=order.filled_amount, leverage=plan.leverage, score=plan.score,
                ta_bonus=plan.ta_bonus_counted, strategy=self.strategy.name)
        trade.entry_price, trade.amount, trade.fees = price, order.filled_amount, order.fee
        trade.margin = position.margin if position is not None else trade.margin
        self._levels(trade)
        self._account_cache()
