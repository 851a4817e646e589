"""Entry orders: where a limit entry rests and what to do when it has rested too long.

Pure (no database, no exchange): the live cycle (``trader.services.entry_orders``) and the
backtester (``trader.backtest.portfolio``) ask the same functions, so a backtest of limit
entries takes the decisions the bot would take. Prices are ``Decimal`` on the market's tick.

Lifecycle (docs/RISK.md "Order lifecycle"): a limit entry rests ``offset_pct`` % better than
the signal price (below it for a long, above for a short). When it has rested ``timeout_s``
seconds: part-filled -> the rest is cancelled and the filled part is kept (it already has its
stop); the price ran more than ``abandon_pct`` % away from the signal -> abandoned; re-priced
fewer than ``max_reprices`` times -> cancelled and placed again at the offset from the current
price; else cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import NamedTuple

from coinex.dto import Market
from trader.models import EntryOrderType, Side

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class EntryOrderSettings:
    """The config's entry-order fields (a snapshot for one cycle or one backtest)."""

    order_type: EntryOrderType = EntryOrderType.MARKET
    offset_pct: Decimal = Decimal("0.05")
    post_only: bool = True
    timeout_s: int = 300
    max_reprices: int = 2
    abandon_pct: Decimal = Decimal("1.0")

    @property
    def limit(self) -> bool:
        return self.order_type == EntryOrderType.LIMIT


class PendingAction(StrEnum):
    WAIT = "wait"
    REPRICE = "reprice"
    KEEP_PARTIAL = "keep_partial"  # cancel the rest, keep the filled part
    ABANDON = "abandon"  # the price ran away
    CANCEL = "cancel"  # timed out with no re-price left


class PendingDecision(NamedTuple):
    action: PendingAction
    price: Decimal | None  # the new limit price of a re-price
    detail: str


def limit_price_for(*, side: Side | str, reference_price: Decimal, offset_pct: Decimal, market: Market) -> Decimal:
    """The limit price ``offset_pct`` % better than ``reference_price``: a buy rounds down to the tick,
    a sell up, so the order never rests at a worse price than the offset asks for."""
    long = side == Side.LONG
    raw = reference_price * (1 - offset_pct / HUNDRED) if long else reference_price * (1 + offset_pct / HUNDRED)
    ticks = (raw / market.tick_size).to_integral_value(ROUND_FLOOR if long else ROUND_CEILING)
    return (ticks * market.tick_size).quantize(market.price_step)


def adverse_move_pct(*, side: Side | str, signal_price: Decimal, price: Decimal) -> Decimal:
    """How far ``price`` ran away from ``signal_price`` against the entry (up for a long), in %; 0 or less
    when it moved towards the order."""
    move = (price - signal_price) / signal_price * HUNDRED
    return move if side == Side.LONG else -move


def pending_entry_decide(*, side: Side | str, signal_price: Decimal, placed_at: datetime, now: datetime,
                         reprices: int, filled_amount: Decimal, price: Decimal, settings: EntryOrderSettings,
                         market: Market) -> PendingDecision:
    """What to do with a resting limit entry placed at ``placed_at`` (this price's order), re-priced
    ``reprices`` times so far, ``filled_amount`` filled, with the market at ``price`` now."""
    rested_s = (now - placed_at).total_seconds()
    if rested_s < settings.timeout_s:
        return PendingDecision(PendingAction.WAIT, None, f"resting {rested_s:.0f}s of {settings.timeout_s}s")
    if filled_amount > 0:
        return PendingDecision(PendingAction.KEEP_PARTIAL, None,
                               f"timed out after {rested_s:.0f}s with {filled_amount.normalize():f} filled: "
                               "the rest is cancelled, the filled part kept")
    moved = adverse_move_pct(side=side, signal_price=signal_price, price=price)
    if moved > settings.abandon_pct:
        return PendingDecision(PendingAction.ABANDON, None,
                               f"price {price.normalize():f} ran {moved:.2f}% away from the signal "
                               f"{signal_price.normalize():f} (limit {settings.abandon_pct}%)")
    if reprices < settings.max_reprices:
        new_price = limit_price_for(side=side, reference_price=price, offset_pct=settings.offset_pct, market=market)
        return PendingDecision(PendingAction.REPRICE, new_price,
                               f"timed out after {rested_s:.0f}s: re-priced to {new_price.normalize():f} "
                               f"({reprices + 1} of {settings.max_reprices})")
    return PendingDecision(PendingAction.CANCEL, None,
                           f"timed out after {rested_s:.0f}s with {settings.max_reprices} re-price(s) used")
