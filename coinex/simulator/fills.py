"""How much of a resting limit order fills when the market reaches a price: the one rule the
paper exchange, the loopback sandbox and the backtester share.

Queue model (deterministic, so a backtest and a dry run of the same prices agree): a price
that trades *through* the limit (below a buy, above a sell) fills everything left; a price
that only *touches* it (equal) fills ``touch_fill_ratio`` of what is left (the part of the
queue ahead of us that traded), rounded down to the market's amount step. A touch that
would round to nothing fills the rest: the order never shrinks by dust forever.

The backtester calls it with a candle's extreme (the low for a buy, the high for a sell),
the paper exchange with each new price it is fed (the engine asks for a touch fill only when
the price changed: the paper exchange feeds the same price on every call): the same function
decides both.
"""

from __future__ import annotations

from decimal import Decimal

from coinex.dto import Market, OrderSide

DEFAULT_TOUCH_FILL_RATIO = Decimal("0.5")
ZERO = Decimal(0)


def limit_fill_amount(*, market: Market, side: OrderSide, limit_price: Decimal, reached_price: Decimal,
                      remaining: Decimal, touch_fill_ratio: Decimal = DEFAULT_TOUCH_FILL_RATIO) -> Decimal:
    """The amount (base asset, on the market's step) of a resting ``side`` limit at ``limit_price`` with
    ``remaining`` unfilled that fills when the market reaches ``reached_price``; 0 when it does not."""
    if remaining <= 0:
        return ZERO
    through = reached_price < limit_price if side == OrderSide.BUY else reached_price > limit_price
    if through:
        return remaining
    if reached_price != limit_price or touch_fill_ratio <= 0:
        return ZERO
    if touch_fill_ratio >= 1:
        return remaining
    part = market.amount_round(remaining * touch_fill_ratio)
    return part if part > 0 else remaining
