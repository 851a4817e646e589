"""Reads of a simulated account: balance, positions, orders, liquidation estimates.

Accounting (USDT): ``wallet`` is cash including locked margin. ``available = wallet -
margins - frozen (+ losses of cross positions)`` and ``equity = wallet + unrealized PnL``.

Liquidation price estimate (isolated; for cross the free balance is added to the
margin M), with maintenance margin rate ``mmr``, entry ``E`` and amount ``A``:
long ``(E*A - M) / (A * (1 - mmr))``, short ``(E*A + M) / (A * (1 + mmr))``. At that
price the position's loss plus the maintenance margin equals M, so a liquidation costs
exactly the margin.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from coinex.dto import FINAL_ORDER_STATUSES, Balance, MarginMode, Market, Order, Position, PositionSide
from coinex.errors import ExchangeTemporaryError, OrderNotFound, OrderRejected
from coinex.simulator.fills import DEFAULT_TOUCH_FILL_RATIO
from coinex.simulator.rules import (
    CODE_ORDER_NOT_FOUND,
    CODE_UNKNOWN_MARKET,
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    ZERO,
    money,
    sign_of,
)
from coinex.simulator.state import SimOrder, SimPosition, SimState


class AccountView:
    """Read access to a futures account over ``state`` with the rules of ``markets``.

    ``slippage_rate`` moves market fills against the taker (0.001 = 0.1 %); ``clock``
    gives aware UTC now; ``touch_fill_ratio``: see :mod:`coinex.simulator.fills`.
    """

    def __init__(
        self,
        *,
        state: SimState,
        markets: dict[str, Market],
        clock: Callable[[], datetime],
        slippage_rate: Decimal = Decimal(0),
        maintenance_margin_rate: Decimal = DEFAULT_MAINTENANCE_MARGIN_RATE,
        touch_fill_ratio: Decimal = DEFAULT_TOUCH_FILL_RATIO,
    ) -> None:
        self.state = state
        self.markets = markets
        self.clock = clock
        self.slippage_rate = slippage_rate
        self.maintenance_margin_rate = maintenance_margin_rate
        self.touch_fill_ratio = touch_fill_ratio  # of a resting limit's rest, when a price only touches it
        self.triggered: list[SimOrder] = []  # orders filled by price updates during this object's life

    # --- reads ---------------------------------------------------------------------------
    def market(self, symbol: str) -> Market:
        """Rules of ``symbol``; ``OrderRejected`` 3639 when unknown."""
        try:
            return self.markets[symbol]
        except KeyError:
            raise OrderRejected(f"market {symbol} does not exist", code=CODE_UNKNOWN_MARKET) from None

    def mark_price(self, symbol: str) -> Decimal:
        """Last price seen for ``symbol``; ``ExchangeTemporaryError`` when none yet."""
        price = self.state.prices.get(symbol)
        if price is None:
            raise ExchangeTemporaryError(f"no market price for {symbol} yet")
        return price

    def unrealized_pnl(self, position: SimPosition) -> Decimal:
        """PnL of ``position`` at the last price (entry price when none is known)."""
        mark = self.state.prices.get(position.symbol, position.entry_price)
        return money((mark - position.entry_price) * position.amount * sign_of(position.side))

    def available(self) -> Decimal:
        """Cash free for new margin and fees."""
        # Plain loops, summed in the same order as before: this runs on every fill (backtests fill thousands).
        locked = frozen = cross_losses = ZERO
        for position in self.state.positions.values():
            locked += position.margin
            if position.margin_mode == MarginMode.CROSS:
                cross_losses += min(ZERO, self.unrealized_pnl(position))
        for order in self.state.orders.values():
            if order.status not in FINAL_ORDER_STATUSES:
                frozen += order.frozen
        return money(self.state.wallet - locked - frozen + cross_losses)

    def liquidation_price(self, position: SimPosition) -> Decimal:
        """Estimated liquidation price (formula in the module docstring); never negative."""
        margin = position.margin
        if position.margin_mode == MarginMode.CROSS:
            # Free cash before any unrealized loss: counting this position's loss here too
            # would drag the estimate towards the current price as the price moves.
            margin += max(ZERO, self.balance().available)
        notional = position.entry_price * position.amount
        mmr = self.maintenance_margin_rate
        if position.side == PositionSide.LONG:
            price = (notional - margin) / (position.amount * (1 - mmr))
        else:
            price = (notional + margin) / (position.amount * (1 + mmr))
        return max(ZERO, price)

    def balance(self) -> Balance:
        """The account as a :class:`Balance` (equity = wallet + unrealized PnL)."""
        margin = frozen = upnl = ZERO
        for position in self.state.positions.values():
            margin += position.margin
            upnl += self.unrealized_pnl(position)
        for order in self.state.orders.values():
            if order.status not in FINAL_ORDER_STATUSES:
                frozen += order.frozen
        available = money(self.state.wallet - margin - frozen)
        return Balance(
            asset="USDT",
            available=available,
            frozen=money(frozen),
            margin=money(margin),
            unrealized_pnl=money(upnl),
            equity=money(self.state.wallet + upnl),
        )

    def position_dto(self, position: SimPosition) -> Position:
        """``position`` as a :class:`Position`, with a trailing stop folded into its stop-loss."""
        market = self.markets[position.symbol]
        return Position(
            symbol=position.symbol,
            side=position.side,
            amount=position.amount,
            entry_price=position.entry_price,
            mark_price=self.state.prices.get(position.symbol, position.entry_price),
            leverage=position.leverage,
            margin_mode=position.margin_mode,
            margin=money(position.margin),
            unrealized_pnl=self.unrealized_pnl(position),
            realized_pnl=money(position.realized_pnl),
            liquidation_price=market.price_round(self.liquidation_price(position)),
            take_profit_price=position.take_profit_price,
            stop_loss_price=self._effective_stop(position),
            opened_at=position.opened_at,
            updated_at=position.updated_at,
            position_id=str(position.position_id),
        )

    def positions(self) -> list[Position]:
        """Every open position, ordered by symbol."""
        return [self.position_dto(p) for _, p in sorted(self.state.positions.items())]

    def position(self, symbol: str) -> Position | None:
        """The open position of ``symbol`` or ``None``."""
        pos = self.state.positions.get(symbol)
        return self.position_dto(pos) if pos else None

    @staticmethod
    def order_dto(order: SimOrder) -> Order:
        """``order`` as an :class:`Order`."""
        average = money(order.filled_value / order.filled_amount) if order.filled_amount else None
        return Order(
            order_id=str(order.order_id),
            client_id=order.client_id,
            symbol=order.symbol,
            side=order.side,
            type=order.type,
            amount=order.amount,
            price=order.price,
            filled_amount=order.filled_amount,
            filled_value=money(order.filled_value),
            average_price=average,
            fee=money(order.fee),
            realized_pnl=money(order.realized_pnl),
            status=order.status,
            created_at=order.created_at,
            updated_at=order.updated_at,
        )

    def order_get(self, *, symbol: str, order_id: int) -> SimOrder:
        """The order ``order_id`` of ``symbol``; ``OrderNotFound`` 3600 otherwise."""
        order = self.state.orders.get(order_id)
        if order is None or order.symbol != symbol:
            raise OrderNotFound(f"order {order_id} not found", code=CODE_ORDER_NOT_FOUND)
        return order

    def orders_by_client_id(self, *, symbol: str, client_id: str) -> list[SimOrder]:
        """Orders of ``symbol`` with ``client_id``, newest first."""
        found = [o for o in self.state.orders.values() if o.symbol == symbol and o.client_id == client_id]
        return sorted(found, key=lambda o: o.order_id, reverse=True)

    def orders_pending(self, *, symbol: str | None = None) -> list[SimOrder]:
        """Resting orders, oldest first."""
        if not self.state.orders:
            return []  # the usual case in a backtest, asked on every price update
        pending = [o for o in self.state.orders.values()
                   if o.status not in FINAL_ORDER_STATUSES and (symbol is None or o.symbol == symbol)]
        return sorted(pending, key=lambda o: o.order_id)

    def _effective_stop(self, pos: SimPosition) -> Decimal | None:
        stops = [pos.stop_loss_price] if pos.stop_loss_price is not None else []
        if pos.trailing_pct is not None and pos.trail_extreme is not None:
            offset = pos.trail_extreme * pos.trailing_pct / 100
            trail = pos.trail_extreme - offset if pos.side == PositionSide.LONG else pos.trail_extreme + offset
            stops.append(self.markets[pos.symbol].price_round(trail))
        if not stops:
            return None
        return max(stops) if pos.side == PositionSide.LONG else min(stops)
