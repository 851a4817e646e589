"""Constants and small helpers shared by the simulator's modules."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from coinex.binance.codes import CODE_MIN_NOTIONAL
from coinex.dto import OrderSide, PositionSide

MONEY_STEP = Decimal("0.00000001")
ZERO = Decimal(0)  # Decimals are immutable: one shared zero instead of a new one per use
DEFAULT_MAINTENANCE_MARGIN_RATE = Decimal("0.005")
DEFAULT_LEVERAGE = 3
MAX_FINISHED_ORDERS_KEPT = 200  # enough history for lookups; keeps the stored JSON small
# CoinEx v2 codes the simulator raises (the sandbox answers with them).
CODE_INSUFFICIENT_BALANCE = 3109
CODE_BELOW_MIN_AMOUNT = 3127
CODE_POST_ONLY_WOULD_TAKE = 3209  # the sandbox's own code: a maker-only order that would take liquidity
CODE_ORDER_NOT_FOUND = 3600
CODE_UNKNOWN_MARKET = 3639
CODE_BAD_PARAMETER = 4004
# Binance USD-M's "order's notional must be no smaller than" (a venue with a minimum order value).
CODE_BELOW_MIN_NOTIONAL = CODE_MIN_NOTIONAL
# Client ids the simulator gives the orders it creates itself.
CLIENT_ID_PREFIX_TAKE_PROFIT = "tp-"
CLIENT_ID_PREFIX_STOP_LOSS = "sl-"
CLIENT_ID_PREFIX_TRAILING = "trail-"
CLIENT_ID_PREFIX_LIQUIDATION = "liq-"


def money(value: Decimal) -> Decimal:
    """``value`` rounded to 8 decimal places (the ledger's precision)."""
    return value.quantize(MONEY_STEP, ROUND_HALF_EVEN)  # rounding passed by position: half the cost


def direction_of(side: OrderSide) -> PositionSide:
    """The position side an order of ``side`` opens."""
    return PositionSide.LONG if side == OrderSide.BUY else PositionSide.SHORT


def sign_of(side: PositionSide) -> int:
    """+1 for long, -1 for short (PnL direction)."""
    return 1 if side == PositionSide.LONG else -1
