"""Exit decisions for one open position: take profit, stop loss, trailing stop.

Pure arithmetic on Decimals, shared by the live cycle and the backtester. Percentages
are of the position's margin (DESIGN.md: ``tp_pct`` and ``sl_pct`` are % of margin), so
a price move of ``m`` % at leverage ``L`` is ``m * L`` % of margin. Fees are not in
these percentages; the trade's recorded PnL is net of them.

Trailing stop (when enabled): once the best price reached puts the position ``sl_pct``
in profit, the stop follows the best price at a distance of ``sl_pct`` of margin, so a
trade that has gained at least the stop distance can no longer end in a loss.

A risk-sized position (``trader.cycle.sizing``) passes its own ``stop_price`` (the
signal's stop it was sized to): that price replaces the ``sl_pct`` stop, and the trail
only ever moves it towards the profit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from trader.models import CloseReason, Side

HUNDRED = Decimal(100)


def pnl_pct_of_margin(*, side: str, entry_price: Decimal, price: Decimal, leverage: int) -> Decimal:
    """Gain at ``price`` as % of margin (negative for a loss), before fees."""
    move = (price - entry_price) / entry_price
    if side == Side.SHORT:
        move = -move
    return move * leverage * HUNDRED


def price_at_pnl_pct(*, side: str, entry_price: Decimal, pnl_pct: Decimal, leverage: int) -> Decimal:
    """The price at which the position's gain is ``pnl_pct`` % of margin."""
    move = pnl_pct / HUNDRED / leverage
    return entry_price * (1 + move) if side == Side.LONG else entry_price * (1 - move)


def best_price_update(*, side: str, best_price: Decimal | None, price: Decimal) -> Decimal:
    """The best price seen so far: the highest for a long, the lowest for a short."""
    if best_price is None:
        return price
    return max(best_price, price) if side == Side.LONG else min(best_price, price)


class ProtectiveLevels(NamedTuple):
    """Prices at which the exchange should close the position (immutable; a tuple, as the backtester
    builds one per trade and per trailing move)."""

    stop_loss: Decimal
    take_profit: Decimal
    trailing_active: bool


def protective_levels(
    *, side: str, entry_price: Decimal, leverage: int, best_price: Decimal | None,
    tp_pct: Decimal, sl_pct: Decimal, trailing_stop: bool, stop_price: Decimal | None = None,
) -> ProtectiveLevels:
    """Stop-loss and take-profit prices; the stop moves up (long) or down (short) with the trail.
    ``stop_price`` (a risk-sized position's own stop) replaces the ``sl_pct`` stop."""
    stop = stop_price if stop_price is not None else price_at_pnl_pct(
        side=side, entry_price=entry_price, pnl_pct=-sl_pct, leverage=leverage)
    take = price_at_pnl_pct(side=side, entry_price=entry_price, pnl_pct=tp_pct, leverage=leverage)
    trailing_active = False
    if trailing_stop and best_price is not None:
        best_pnl = pnl_pct_of_margin(side=side, entry_price=entry_price, price=best_price, leverage=leverage)
        if best_pnl >= sl_pct:
            trailing_active = True
            trail = price_at_pnl_pct(side=side, entry_price=entry_price, pnl_pct=best_pnl - sl_pct, leverage=leverage)
            stop = max(stop, trail) if side == Side.LONG else min(stop, trail)
    return ProtectiveLevels(stop_loss=stop, take_profit=take, trailing_active=trailing_active)


class ExitDecision(NamedTuple):
    """Whether to close now, why, and the best price to remember (immutable)."""

    reason: CloseReason | None
    detail: str
    pnl_pct: Decimal
    best_price: Decimal


def exit_decide(
    *, side: str, entry_price: Decimal, price: Decimal, leverage: int, best_price: Decimal | None,
    tp_pct: Decimal, sl_pct: Decimal, trailing_stop: bool, stop_price: Decimal | None = None,
) -> ExitDecision:
    """Close at ``price``? Take profit first, then the stop (trailing or not); ``stop_price`` as in
    ``protective_levels``."""
    best = best_price_update(side=side, best_price=best_price, price=price)
    pnl = pnl_pct_of_margin(side=side, entry_price=entry_price, price=price, leverage=leverage)
    if pnl >= tp_pct:
        return ExitDecision(CloseReason.TAKE_PROFIT, f"gain {pnl:.2f}% of margin >= TP {tp_pct}%", pnl, best)
    if stop_price is None and pnl <= -sl_pct:
        return ExitDecision(CloseReason.STOP_LOSS, f"loss {pnl:.2f}% of margin <= SL -{sl_pct}%", pnl, best)
    if stop_price is not None and (price <= stop_price if side == Side.LONG else price >= stop_price):
        return ExitDecision(CloseReason.STOP_LOSS, f"price {price} crossed the stop {stop_price:.8g}", pnl, best)
    levels = protective_levels(side=side, entry_price=entry_price, leverage=leverage, best_price=best,
                               tp_pct=tp_pct, sl_pct=sl_pct, trailing_stop=trailing_stop, stop_price=stop_price)
    if levels.trailing_active:
        hit = price <= levels.stop_loss if side == Side.LONG else price >= levels.stop_loss
        if hit:
            return ExitDecision(CloseReason.TRAILING, f"price {price} crossed the trailing stop {levels.stop_loss:.8g}",
                                pnl, best)
    return ExitDecision(None, f"holding at {pnl:.2f}% of margin", pnl, best)
