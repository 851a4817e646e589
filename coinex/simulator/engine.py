"""Writes on a simulated one-way futures account: orders, fills, triggers, funding.

A fill charges ``price * amount * fee_rate``; opening locks ``price * amount / leverage``
as margin; reducing realises ``(exit - entry) * amount`` (long; reversed for short) and
releases margin pro rata. Reads and the accounting formulas are in
:mod:`coinex.simulator.account`.

Every method validates before it mutates, so a raised error leaves the state as it was.
"""

from __future__ import annotations

from decimal import Decimal

from coinex.dto import LeverageSetting, MarginMode, Market, OrderSide, OrderStatus, OrderType, PositionSide
from coinex.errors import OrderNotFound, OrderRejected
from coinex.simulator.account import AccountView
from coinex.simulator.fills import limit_fill_amount
from coinex.simulator.rules import (
    CLIENT_ID_PREFIX_LIQUIDATION,
    CLIENT_ID_PREFIX_STOP_LOSS,
    CLIENT_ID_PREFIX_TAKE_PROFIT,
    CLIENT_ID_PREFIX_TRAILING,
    CODE_BAD_PARAMETER,
    CODE_BELOW_MIN_AMOUNT,
    CODE_BELOW_MIN_NOTIONAL,
    CODE_INSUFFICIENT_BALANCE,
    CODE_ORDER_NOT_FOUND,
    CODE_POST_ONLY_WOULD_TAKE,
    DEFAULT_LEVERAGE,
    MAX_FINISHED_ORDERS_KEPT,
    ZERO,
    direction_of,
    money,
    sign_of,
)
from coinex.simulator.state import SimOrder, SimPosition

__all__ = ["SimulatedAccount", "money"]


class SimulatedAccount(AccountView):
    """A futures account you can trade on (see :class:`AccountView` for the constructor)."""

    # --- validation ------------------------------------------------------------------------
    def _check_amount(self, market: Market, amount: Decimal) -> None:
        if amount <= 0 or amount != amount.quantize(market.amount_step):
            raise OrderRejected(
                f"invalid amount {amount}: more than {market.amount_precision} decimals", code=CODE_BAD_PARAMETER
            )
        if amount < market.min_amount:
            raise OrderRejected(
                f"amount {amount} is below the minimum {market.min_amount} of {market.symbol}",
                code=CODE_BELOW_MIN_AMOUNT,
            )

    @staticmethod
    def _check_notional(market: Market, amount: Decimal, price: Decimal) -> None:
        """Venues with a minimum order value (Binance USD-M) refuse an order below it, as Binance
        does with -4164; the error is the one the live adapter raises."""
        if market.min_notional and amount * price < market.min_notional:
            raise OrderRejected(f"order value {money(amount * price)} USDT is below {market.symbol}'s minimum "
                                f"{market.min_notional} USDT", code=CODE_BELOW_MIN_NOTIONAL)

    @staticmethod
    def _check_price(market: Market, price: Decimal, *, what: str) -> None:
        if price <= 0 or price % market.tick_size != 0:
            raise OrderRejected(f"invalid {what} {price}: not a multiple of tick {market.tick_size}",
                                code=CODE_BAD_PARAMETER)

    def _leverage_of(self, symbol: str) -> tuple[int, MarginMode]:
        pos = self.state.positions.get(symbol)
        if pos:
            return pos.leverage, pos.margin_mode
        return self.state.leverage.get(symbol, (DEFAULT_LEVERAGE, MarginMode.ISOLATED))

    def _opening_amount(self, symbol: str, side: OrderSide, amount: Decimal) -> Decimal:
        """How much of an order of ``amount`` would open or increase exposure."""
        pos = self.state.positions.get(symbol)
        if pos is None or pos.side == direction_of(side):
            return amount
        return max(Decimal(0), amount - pos.amount)

    # --- fills -----------------------------------------------------------------------------
    def _taker_price(self, market: Market, side: OrderSide, price: Decimal) -> Decimal:
        if not self.slippage_rate:
            return market.price_round(price)  # price * 1: the same number
        factor = 1 + self.slippage_rate if side == OrderSide.BUY else 1 - self.slippage_rate
        return market.price_round(price * factor)

    def _fill(self, order: SimOrder, *, price: Decimal, fee_rate: Decimal, extra_fee: Decimal = ZERO,
              amount: Decimal | None = None) -> None:
        """Fill ``amount`` of ``order`` (all that is left when None) at ``price``: validate the
        margin first, then mutate. A part fill leaves the order ``part_filled`` with the rest of its
        frozen margin still reserved."""
        now = self.clock()
        remaining = order.amount - order.filled_amount
        if amount is None or amount >= remaining:
            amount, unfrozen = remaining, order.frozen
        else:
            unfrozen = money(order.frozen * amount / remaining)
        fee = money(price * amount * fee_rate) + extra_fee
        pos = self.state.positions.get(order.symbol)
        direction = direction_of(order.side)
        reduce = ZERO if pos is None or pos.side == direction else min(amount, pos.amount)
        opening = ZERO if order.reduce_only else amount - reduce
        realized = money((price - pos.entry_price) * reduce * sign_of(pos.side)) if reduce else ZERO
        released = money(pos.margin * reduce / pos.amount) if reduce else ZERO
        if opening:
            leverage, margin_mode = self._leverage_of(order.symbol)
            margin_needed = money(price * opening / leverage)
        if opening and self.available() + unfrozen + released + realized < margin_needed + fee:
            raise OrderRejected(
                f"insufficient balance: {margin_needed + fee} USDT needed for margin and fee",
                code=CODE_INSUFFICIENT_BALANCE,
            )
        order.frozen -= unfrozen
        if reduce:
            pos.amount -= reduce
            pos.margin -= released
            pos.realized_pnl += realized - fee
            pos.updated_at = now
            if pos.amount == 0:
                del self.state.positions[order.symbol]
        if opening:
            current = self.state.positions.get(order.symbol)
            if current is None:
                self.state.positions[order.symbol] = SimPosition(
                    position_id=self.state.allocate_id(), symbol=order.symbol, side=direction, amount=opening,
                    entry_price=price, leverage=leverage, margin_mode=margin_mode, margin=margin_needed,
                    realized_pnl=-fee if not reduce else ZERO, opened_at=now, updated_at=now,
                )
            else:
                total = current.amount + opening
                current.entry_price = (current.entry_price * current.amount + price * opening) / total
                current.amount = total
                current.margin += margin_needed
                current.realized_pnl -= fee
                current.updated_at = now
        self.state.wallet = money(self.state.wallet + realized - fee)
        filled_now = amount if not order.reduce_only else reduce
        order.filled_amount += filled_now
        order.filled_value += price * filled_now
        order.fee += fee
        order.realized_pnl += realized
        order.status = OrderStatus.FILLED if order.reduce_only or order.filled_amount >= order.amount \
            else OrderStatus.PART_FILLED
        order.updated_at = now
        if len(self.state.orders) > MAX_FINISHED_ORDERS_KEPT:
            self._prune()

    def _prune(self) -> None:
        finished = [o for o in self.state.orders.values() if o.status.is_final]
        for order in sorted(finished, key=lambda o: o.order_id)[:-MAX_FINISHED_ORDERS_KEPT]:
            del self.state.orders[order.order_id]

    def _new_order(self, *, symbol: str, side: OrderSide, type: OrderType, amount: Decimal,
                   price: Decimal | None, client_id: str | None, reduce_only: bool = False) -> SimOrder:
        now = self.clock()
        # Positional, in SimOrder's field order (order_id, client_id, symbol, side, type, amount, price,
        # created_at, updated_at, reduce_only): a backtest creates two orders per trade.
        return SimOrder(self.state.allocate_id(), client_id, symbol, side, type, amount, price, now, now, reduce_only)

    # --- writes ------------------------------------------------------------------------------
    def order_place(self, *, symbol: str, side: OrderSide, type: OrderType, amount: Decimal,
                    price: Decimal | None, client_id: str | None, post_only: bool = False) -> SimOrder:
        """Place an order: market orders fill now (taker); limit orders fill now when
        marketable, else rest with their opening margin frozen. A ``post_only`` limit that
        would fill now is refused (CoinEx ``maker_only``, Binance ``GTX``): it never pays the taker fee."""
        market = self.market(symbol)
        self._check_amount(market, amount)
        if type == OrderType.LIMIT:
            if price is None:
                raise OrderRejected("a limit order needs a price", code=CODE_BAD_PARAMETER)
            self._check_price(market, price, what="price")
        current = self.mark_price(symbol)
        self._check_notional(market, amount, price if type == OrderType.LIMIT and price is not None else current)
        if post_only and type == OrderType.LIMIT and (price >= current if side == OrderSide.BUY else price <= current):
            raise OrderRejected(f"post-only {side} at {price} would take liquidity at {current}",
                                code=CODE_POST_ONLY_WOULD_TAKE)
        first_free_id = self.state.next_id
        try:
            order = self._order_execute(market=market, side=side, type=type, amount=amount, price=price,
                                        current=current, client_id=client_id)
        except OrderRejected:
            self.state.next_id = first_free_id  # a rejected order leaves no trace
            raise
        order.post_only = post_only
        return order

    def _order_execute(self, *, market: Market, side: OrderSide, type: OrderType, amount: Decimal,
                       price: Decimal | None, current: Decimal, client_id: str | None) -> SimOrder:
        symbol = market.symbol
        order = self._new_order(symbol=symbol, side=side, type=type, amount=amount,
                                price=price if type == OrderType.LIMIT else None, client_id=client_id)
        marketable = type == OrderType.MARKET or (
            (side == OrderSide.BUY and price >= current) or (side == OrderSide.SELL and price <= current)
        )
        if marketable:
            fill_price = self._taker_price(market, side, current)
            if type == OrderType.LIMIT:
                fill_price = min(fill_price, price) if side == OrderSide.BUY else max(fill_price, price)
            self._fill(order, price=fill_price, fee_rate=market.taker_fee_rate)
        else:
            leverage, _ = self._leverage_of(symbol)
            frozen = money(price * self._opening_amount(symbol, side, amount) / leverage)
            if frozen and self.available() < frozen:
                raise OrderRejected(f"insufficient balance: {frozen} USDT margin needed",
                                    code=CODE_INSUFFICIENT_BALANCE)
            order.frozen = frozen
        self.state.orders[order.order_id] = order
        return order

    def position_close(self, *, symbol: str, amount: Decimal | None, client_id: str | None,
                       price: Decimal | None = None) -> SimOrder:
        """Close ``amount`` (all when None) of the position at market (or ``price``); never flips."""
        market = self.market(symbol)
        pos = self.state.positions.get(symbol)
        if pos is None:
            raise OrderRejected(f"no open position in {symbol}", code=CODE_BAD_PARAMETER)
        close_amount = pos.amount if amount is None else min(amount, pos.amount)
        if amount is not None and amount < pos.amount:
            self._check_amount(market, amount)
        side = OrderSide.SELL if pos.side == PositionSide.LONG else OrderSide.BUY
        fill_price = price if price is not None else self._taker_price(market, side, self.mark_price(symbol))
        first_free_id = self.state.next_id
        order = self._new_order(symbol=symbol, side=side, type=OrderType.MARKET, amount=close_amount,
                                price=None, client_id=client_id, reduce_only=True)
        try:
            self._fill(order, price=fill_price, fee_rate=market.taker_fee_rate)
        except OrderRejected:
            self.state.next_id = first_free_id
            raise
        self.state.orders[order.order_id] = order
        return order

    def order_cancel(self, *, symbol: str, order_id: int) -> SimOrder:
        """Cancel a resting order; ``OrderNotFound`` when it is unknown or already final."""
        order = self.order_get(symbol=symbol, order_id=order_id)
        if order.status.is_final:
            raise OrderNotFound(f"order {order_id} is already {order.status}", code=CODE_ORDER_NOT_FOUND)
        order.status = OrderStatus.CANCELED if not order.filled_amount else OrderStatus.PART_CANCELED
        order.frozen = Decimal(0)
        order.updated_at = self.clock()
        return order

    def leverage_set(self, *, symbol: str, leverage: int, margin_mode: MarginMode) -> LeverageSetting:
        """Set leverage/margin mode; an open isolated position's margin is adjusted to match."""
        market = self.market(symbol)
        if leverage not in market.leverages:
            raise OrderRejected(f"leverage {leverage} not allowed for {symbol} (allowed {list(market.leverages)})",
                                code=CODE_BAD_PARAMETER)
        pos = self.state.positions.get(symbol)
        if pos is not None:
            if pos.margin_mode != margin_mode:
                raise OrderRejected("cannot change margin mode with an open position", code=CODE_BAD_PARAMETER)
            new_margin = money(pos.entry_price * pos.amount / leverage)
            if new_margin - pos.margin > self.available():
                raise OrderRejected("insufficient balance to lower the leverage", code=CODE_INSUFFICIENT_BALANCE)
            pos.margin, pos.leverage, pos.updated_at = new_margin, leverage, self.clock()
        self.state.leverage[symbol] = (leverage, margin_mode)
        return LeverageSetting(symbol=symbol, leverage=leverage, margin_mode=margin_mode)

    def _position_for_trigger(self, symbol: str) -> SimPosition:
        self.market(symbol)
        pos = self.state.positions.get(symbol)
        if pos is None:
            raise OrderRejected(f"no open position in {symbol}", code=CODE_BAD_PARAMETER)
        return pos

    def stop_loss_set(self, *, symbol: str, price: Decimal) -> SimPosition:
        """Attach a stop-loss; it must be on the losing side of the current price."""
        pos = self._position_for_trigger(symbol)
        self._check_price(self.markets[symbol], price, what="stop loss price")
        mark = self.mark_price(symbol)
        if (pos.side == PositionSide.LONG and price >= mark) or (pos.side == PositionSide.SHORT and price <= mark):
            raise OrderRejected(f"stop loss price {price} is on the wrong side of the mark price {mark}",
                                code=CODE_BAD_PARAMETER)
        pos.stop_loss_price, pos.updated_at = price, self.clock()
        return pos

    def take_profit_set(self, *, symbol: str, price: Decimal) -> SimPosition:
        """Attach a take-profit; it must be on the winning side of the current price."""
        pos = self._position_for_trigger(symbol)
        self._check_price(self.markets[symbol], price, what="take profit price")
        mark = self.mark_price(symbol)
        if (pos.side == PositionSide.LONG and price <= mark) or (pos.side == PositionSide.SHORT and price >= mark):
            raise OrderRejected(f"take profit price {price} is on the wrong side of the mark price {mark}",
                                code=CODE_BAD_PARAMETER)
        pos.take_profit_price, pos.updated_at = price, self.clock()
        return pos

    def trailing_stop_set(self, *, symbol: str, callback_pct: Decimal) -> SimPosition:
        """Trail the stop ``callback_pct`` % behind the best price seen since now."""
        pos = self._position_for_trigger(symbol)
        if not Decimal(0) < callback_pct < Decimal(100):
            raise OrderRejected("trailing callback must be between 0 and 100 %", code=CODE_BAD_PARAMETER)
        pos.trailing_pct, pos.trail_extreme = callback_pct, self.mark_price(symbol)
        pos.updated_at = self.clock()
        return pos

    def funding_apply(self, *, symbol: str, rate: Decimal) -> Decimal:
        """Settle funding on ``symbol`` at ``rate``: longs pay ``amount * mark * rate``; returns
        the account's cash change."""
        pos = self.state.positions.get(symbol)
        if pos is None:
            return Decimal(0)
        payment = money(pos.amount * self.mark_price(symbol) * rate) * -sign_of(pos.side)
        self.state.wallet = money(self.state.wallet + payment)
        pos.realized_pnl += payment
        return payment

    # --- price updates -------------------------------------------------------------------------
    def price_update(self, *, symbol: str, price: Decimal) -> list[SimOrder]:
        """Record a new mark price and fire what it triggers, in order: resting limit orders,
        liquidation, stop-loss (fixed or trailing), take-profit. Returns the orders filled."""
        market = self.market(symbol)
        # A touch trades part of the queue once per new price, not again on every call that feeds the same price.
        touch_fill_ratio = self.touch_fill_ratio if self.state.prices.get(symbol) != price else ZERO
        self.state.prices[symbol] = price
        filled = []
        for order in self.orders_pending(symbol=symbol):
            if order.type != OrderType.LIMIT:
                continue
            amount = limit_fill_amount(market=market, side=order.side, limit_price=order.price, reached_price=price,
                                       remaining=order.amount - order.filled_amount,
                                       touch_fill_ratio=touch_fill_ratio)
            if amount:
                try:
                    self._fill(order, price=order.price, fee_rate=market.maker_fee_rate, amount=amount)
                except OrderRejected:
                    self.order_cancel(symbol=symbol, order_id=order.order_id)
                    continue
                filled.append(order)
        pos = self.state.positions.get(symbol)
        if pos is None:
            self.triggered.extend(filled)
            return filled
        long = pos.side == PositionSide.LONG
        liquidation = self.liquidation_price(pos)
        if (long and price <= liquidation) or (not long and price >= liquidation):
            fee = money(self.maintenance_margin_rate * liquidation * pos.amount)
            filled.append(self._trigger_close(pos, CLIENT_ID_PREFIX_LIQUIDATION, liquidation, fee))
            self.state.wallet = max(Decimal(0), self.state.wallet)
            self.triggered.extend(filled)
            return filled
        if pos.trailing_pct is not None and pos.trail_extreme is not None:
            pos.trail_extreme = max(pos.trail_extreme, price) if long else min(pos.trail_extreme, price)
        stop = self._effective_stop(pos)
        if stop is not None and ((long and price <= stop) or (not long and price >= stop)):
            prefix = CLIENT_ID_PREFIX_STOP_LOSS if stop == pos.stop_loss_price else CLIENT_ID_PREFIX_TRAILING
            filled.append(self._trigger_close(pos, prefix, None))
        elif pos.take_profit_price is not None and (
            (long and price >= pos.take_profit_price) or (not long and price <= pos.take_profit_price)
        ):
            filled.append(self._trigger_close(pos, CLIENT_ID_PREFIX_TAKE_PROFIT, None))
        self.triggered.extend(filled)
        return filled

    def _trigger_close(self, pos: SimPosition, prefix: str, price: Decimal | None,
                       extra_fee: Decimal = Decimal(0)) -> SimOrder:
        market = self.markets[pos.symbol]
        side = OrderSide.SELL if pos.side == PositionSide.LONG else OrderSide.BUY
        fill_price = price if price is not None else self._taker_price(market, side, self.state.prices[pos.symbol])
        order = self._new_order(symbol=pos.symbol, side=side, type=OrderType.MARKET, amount=pos.amount, price=None,
                                client_id=f"{prefix}{pos.position_id}", reduce_only=True)
        self._fill(order, price=fill_price, fee_rate=Decimal(0) if extra_fee else market.taker_fee_rate,
                   extra_fee=extra_fee)
        self.state.orders[order.order_id] = order
        return order
