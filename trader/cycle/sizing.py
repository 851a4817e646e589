"""Position sizing (seed tradefinder section 5, "Risk Engine"): how much to open and where its stop is.

Two modes, chosen by the config's ``sizing_mode``:

- ``margin_pct`` (the default, the bot's original rule): margin = equity x
  ``position_size_pct`` / 100; amount = margin x leverage / price.
- ``risk``: amount = equity x ``risk_per_trade_pct`` / 100 / |entry - stop|, so that a
  fill at the entry and an exit at the stop loses ``risk_per_trade_pct`` of equity (before
  fees); margin = amount x price / leverage. The seed's example: equity 3000, risk 2 %,
  entry 100000, stop 98000 -> 60 / 2000 = 0.03 BTC, notional 3000.

In both modes the position's risk is measured to its stop: the signal's stop when it
has one (a strategy's ``get_stop_loss``, the structure engine's stop for the scanner),
else the config's ``sl_pct`` of margin at the position's leverage. ``scale`` (the
uncertain regime's factor, 1 otherwise) multiplies the new risk (risk mode) or the
margin (margin_pct mode). Pure Decimal arithmetic; the limits are checked by
``trader.cycle.rules.entry_plan``, the one place the entry rules live.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from coinex.dto import Market
from trader.cycle.exits import price_at_pnl_pct
from trader.models import Side, SizingMode

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ZERO = Decimal(0)
RISK_PER_TRADE_MAX_PCT = Decimal(3)  # the seed's limit; also the config field's upper bound


class Sizing(NamedTuple):
    """What to open: ``amount`` (base asset, rounded down to the market's step), its ``margin`` and
    ``notional`` (quote asset), its ``stop`` and the ``risk`` to that stop (quote asset, before fees)."""

    amount: Decimal
    margin: Decimal
    notional: Decimal
    stop: Decimal
    risk: Decimal


def stop_is_valid(*, side: str, price: Decimal, stop: Decimal | None) -> bool:
    """A stop on the losing side of ``price`` (below for a long, above for a short) and above zero."""
    if stop is None or stop <= 0:
        return False
    return stop < price if side == Side.LONG else stop > price


def stop_from_config(*, side: str, price: Decimal, sl_pct: Decimal, leverage: int) -> Decimal:
    """The config's stop: ``sl_pct`` % of margin lost at ``leverage`` (exits.protective_levels' stop)."""
    return price_at_pnl_pct(side=side, entry_price=price, pnl_pct=-sl_pct, leverage=leverage)


def risk_amount(*, equity: Decimal, risk_pct: Decimal, entry: Decimal, stop: Decimal) -> Decimal:
    """Base-asset amount that loses ``risk_pct`` % of ``equity`` between ``entry`` and ``stop``
    (unrounded); zero when the stop is at the entry."""
    distance = abs(entry - stop)
    if not distance:
        return ZERO
    return equity * risk_pct / HUNDRED / distance


def position_risk(*, side: str, entry: Decimal, stop: Decimal, amount: Decimal) -> Decimal:
    """Loss of ``amount`` from ``entry`` to ``stop`` (quote asset, before fees); zero once the stop
    is at or beyond the entry on the winning side (a trailed stop locks a gain in)."""
    move = entry - stop if side == Side.LONG else stop - entry
    return max(ZERO, move * amount)


def position_size(
    *, mode: str, side: str, price: Decimal, stop: Decimal, equity: Decimal, leverage: int, market: Market,
    position_size_pct: Decimal, risk_per_trade_pct: Decimal, scale: Decimal = Decimal(1),
) -> Sizing:
    """The position to open at ``price`` with ``stop`` under ``mode`` (see the module docstring)."""
    if mode == SizingMode.RISK:
        amount = market.amount_round(risk_amount(equity=equity, risk_pct=risk_per_trade_pct * scale,
                                                 entry=price, stop=stop))
        notional = amount * price
        margin = (notional / leverage).quantize(CENT, ROUND_DOWN)
    else:
        margin = (equity * position_size_pct * scale / HUNDRED).quantize(CENT, ROUND_DOWN)
        amount = market.amount_round(margin * leverage / price)
        notional = amount * price
    return Sizing(amount=amount, margin=margin, notional=notional, stop=stop,
                  risk=position_risk(side=side, entry=price, stop=stop, amount=amount))
