"""Typed, frozen values every exchange implementation returns (no raw exchange JSON).

Money, prices and amounts are ``Decimal``; times are aware UTC datetimes; symbols are
exchange symbols such as ``BTCUSDT``. Amounts are in the base asset (contracts of a
linear USDT perpetual are quoted in the base coin on CoinEx).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from functools import cached_property

# CoinEx accepts client ids of letters, digits, "-" and "_", at most 32 characters.
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")


def client_id_valid(client_id: str) -> bool:
    """True when CoinEx would accept ``client_id``."""
    return CLIENT_ID_PATTERN.fullmatch(client_id) is not None


def client_id_problem(client_id: str) -> str | None:
    """Why CoinEx would refuse ``client_id``; ``None`` when it is fine."""
    return None if client_id_valid(client_id) else f"client id {client_id!r}: use 1-32 letters, digits, '-' or '_'"


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class PositionSide(StrEnum):
    LONG = "long"
    SHORT = "short"


class MarginMode(StrEnum):
    ISOLATED = "isolated"
    CROSS = "cross"


class OrderStatus(StrEnum):
    """CoinEx v2 order states: open, part_filled, filled, part_canceled, canceled."""

    OPEN = "open"
    PART_FILLED = "part_filled"
    FILLED = "filled"
    PART_CANCELED = "part_canceled"
    CANCELED = "canceled"

    @property
    def is_final(self) -> bool:
        """True once the order can no longer fill."""
        return self in FINAL_ORDER_STATUSES


FINAL_ORDER_STATUSES = frozenset({OrderStatus.FILLED, OrderStatus.PART_CANCELED, OrderStatus.CANCELED})


@dataclass(frozen=True)
class Market:
    """Trading rules of one perpetual market."""

    symbol: str
    base_asset: str
    quote_asset: str
    min_amount: Decimal
    amount_precision: int
    price_precision: int
    tick_size: Decimal
    leverages: tuple[int, ...]
    maker_fee_rate: Decimal
    taker_fee_rate: Decimal
    # Venues that publish them (Binance USD-M): the smallest order value in the quote asset
    # (0 = no rule) and a lot step that is not a power of ten (None = 10 ** -amount_precision).
    min_notional: Decimal = Decimal(0)
    lot_step: Decimal | None = None

    # Cached (computed once per Market, which is frozen): every order and fill rounds with them.
    @cached_property
    def amount_step(self) -> Decimal:
        """Smallest amount increment: the lot step when given, else 10 ** -amount_precision."""
        return self.lot_step if self.lot_step is not None else Decimal(1).scaleb(-self.amount_precision)

    @cached_property
    def price_step(self) -> Decimal:
        """The quantum prices are written with: 10 ** -price_precision."""
        return Decimal(1).scaleb(-self.price_precision)

    def amount_round(self, amount: Decimal) -> Decimal:
        """``amount`` rounded down to the market's step (never more than asked for)."""
        if self.lot_step is None:
            return amount.quantize(self.amount_step, ROUND_DOWN)
        steps = (amount / self.lot_step).to_integral_value(ROUND_DOWN)
        return (steps * self.lot_step).quantize(Decimal(1).scaleb(-self.amount_precision))

    def price_round(self, price: Decimal) -> Decimal:
        """``price`` rounded to the nearest tick (half to even), with the market's price precision."""
        if self.tick_is_price_step:  # the usual case: one quantize gives the same result
            return price.quantize(self.price_step)
        ticks = (price / self.tick_size).to_integral_value()
        return (ticks * self.tick_size).quantize(self.price_step)

    @cached_property
    def tick_is_price_step(self) -> bool:
        """True when the tick is 10 ** -price_precision (a tick of 0.5 or 5 is not)."""
        return self.tick_size == self.price_step


@dataclass(frozen=True)
class Balance:
    """The futures account in the margin asset (USDT).

    ``equity`` = available + frozen + margin + unrealized_pnl.
    """

    asset: str
    available: Decimal
    frozen: Decimal
    margin: Decimal
    unrealized_pnl: Decimal
    equity: Decimal


@dataclass(frozen=True)
class Position:
    """One open one-way position; ``amount`` is always positive, ``side`` gives direction."""

    symbol: str
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    mark_price: Decimal
    leverage: int
    margin_mode: MarginMode
    margin: Decimal
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    liquidation_price: Decimal | None
    take_profit_price: Decimal | None
    stop_loss_price: Decimal | None
    opened_at: datetime
    updated_at: datetime
    position_id: str | None = None  # the exchange's id; TP/SL closes it fires name it (paper: "tp-<id>")

    @property
    def notional(self) -> Decimal:
        """Position value at the mark price."""
        return self.amount * self.mark_price

    @property
    def pnl_pct_of_margin(self) -> Decimal:
        """Unrealized PnL as a percentage of the margin (0 when margin is 0)."""
        return (self.unrealized_pnl / self.margin * 100) if self.margin else Decimal(0)


@dataclass(frozen=True)
class Order:
    """An order as the exchange reports it."""

    order_id: str
    client_id: str | None
    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal
    price: Decimal | None
    filled_amount: Decimal
    filled_value: Decimal
    average_price: Decimal | None
    fee: Decimal
    realized_pnl: Decimal
    status: OrderStatus
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Ticker:
    """Latest trade and mark price of one market."""

    symbol: str
    last_price: Decimal
    mark_price: Decimal
    index_price: Decimal | None
    high: Decimal | None
    low: Decimal | None
    volume: Decimal | None


@dataclass(frozen=True)
class FundingRate:
    """Funding of one market; a positive rate means longs pay shorts."""

    symbol: str
    mark_price: Decimal
    latest_rate: Decimal
    next_rate: Decimal | None
    next_funding_at: datetime | None


@dataclass(frozen=True)
class LeverageSetting:
    """Leverage and margin mode now in force for a market."""

    symbol: str
    leverage: int
    margin_mode: MarginMode


@dataclass(frozen=True)
class Candle:
    """One kline from the exchange (used for checks; market data comes from ``ta``)."""

    symbol: str
    opened_at: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
