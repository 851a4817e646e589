"""Mutable state of a simulated futures account and its JSON form (for the database)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from coinex.dto import MarginMode, OrderSide, OrderStatus, OrderType, PositionSide

FIRST_ORDER_ID = 100_000_001


@dataclass(slots=True)  # slots: created and read on every fill of a backtest
class SimPosition:
    """One net position; ``margin`` is the margin locked for it (isolated or cross)."""

    position_id: int
    symbol: str
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    leverage: int
    margin_mode: MarginMode
    margin: Decimal
    realized_pnl: Decimal
    opened_at: datetime
    updated_at: datetime
    take_profit_price: Decimal | None = None
    stop_loss_price: Decimal | None = None
    trailing_pct: Decimal | None = None
    trail_extreme: Decimal | None = None


@dataclass(slots=True)
class SimOrder:
    """One order; ``frozen`` is the margin reserved while a limit order rests."""

    order_id: int
    client_id: str | None
    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal
    price: Decimal | None
    created_at: datetime
    updated_at: datetime
    reduce_only: bool = False
    filled_amount: Decimal = Decimal(0)
    filled_value: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    frozen: Decimal = Decimal(0)
    status: OrderStatus = OrderStatus.OPEN
    post_only: bool = False  # a maker-only limit (CoinEx type ``maker_only``)


@dataclass
class SimState:
    """Everything the account knows; ``wallet`` is cash including locked margin."""

    wallet: Decimal
    positions: dict[str, SimPosition] = field(default_factory=dict)
    orders: dict[int, SimOrder] = field(default_factory=dict)
    leverage: dict[str, tuple[int, MarginMode]] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)
    next_id: int = FIRST_ORDER_ID
    last_funding_at: datetime | None = None

    def allocate_id(self) -> int:
        """A new order/position id."""
        value = self.next_id
        self.next_id += 1
        return value


# --- JSON form ------------------------------------------------------------------------
_ENUMS = {
    "side": None,  # resolved per class below
    "margin_mode": MarginMode,
    "type": OrderType,
    "status": OrderStatus,
}
_DECIMAL_FIELDS = {
    "amount", "entry_price", "margin", "realized_pnl", "take_profit_price", "stop_loss_price", "trailing_pct",
    "trail_extreme", "price", "filled_amount", "filled_value", "fee", "frozen",
}
_DATETIME_FIELDS = {"opened_at", "updated_at", "created_at"}


def _dump(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in fields(obj):
        value = getattr(obj, item.name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        out[item.name] = value
    return out


def _load(cls: type, data: dict[str, Any], side_enum: type) -> Any:
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if value is not None:
            if name in _DECIMAL_FIELDS:
                value = Decimal(value)
            elif name in _DATETIME_FIELDS:
                value = datetime.fromisoformat(value)
            elif name == "side":
                value = side_enum(value)
            elif name in _ENUMS:
                value = _ENUMS[name](value)
        kwargs[name] = value
    return cls(**kwargs)


def state_to_json(state: SimState) -> dict[str, Any]:
    """A JSON-serialisable copy of ``state`` (Decimals as strings, ISO datetimes)."""
    return {
        "wallet": str(state.wallet),
        "positions": {symbol: _dump(pos) for symbol, pos in state.positions.items()},
        "orders": [_dump(order) for order in state.orders.values()],
        "leverage": {symbol: [lev, str(mode)] for symbol, (lev, mode) in state.leverage.items()},
        "prices": {symbol: str(price) for symbol, price in state.prices.items()},
        "next_id": state.next_id,
        "last_funding_at": state.last_funding_at.isoformat() if state.last_funding_at else None,
    }


def state_from_json(data: dict[str, Any]) -> SimState:
    """The inverse of :func:`state_to_json`."""
    orders = [_load(SimOrder, item, OrderSide) for item in data.get("orders", [])]
    return SimState(
        wallet=Decimal(data["wallet"]),
        positions={s: _load(SimPosition, p, PositionSide) for s, p in data.get("positions", {}).items()},
        orders={order.order_id: order for order in orders},
        leverage={s: (int(lev), MarginMode(mode)) for s, (lev, mode) in data.get("leverage", {}).items()},
        prices={s: Decimal(p) for s, p in data.get("prices", {}).items()},
        next_id=int(data.get("next_id", FIRST_ORDER_ID)),
        last_funding_at=datetime.fromisoformat(data["last_funding_at"]) if data.get("last_funding_at") else None,
    )
