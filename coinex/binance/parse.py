"""Binance USD-M JSON objects turned into :mod:`coinex.dto` values (raw JSON stops here)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from coinex.binance import symbols
from coinex.client.parse import decimal, positive_or_none, time_from_ms
from coinex.dto import (
    Balance,
    FundingRate,
    MarginMode,
    Market,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Ticker,
)

MARGIN_ASSET = "USDT"
# Binance's standard (VIP 0) USD-M fee rates; the account's own are at /fapi/v1/commissionRate.
MAKER_FEE_RATE = Decimal("0.0002")
TAKER_FEE_RATE = Decimal("0.0005")
DEFAULT_MAX_LEVERAGE = 20
STATUS_TRADING = "TRADING"
_ORDER_STATUS = {
    "NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PART_FILLED,
    "FILLED": OrderStatus.FILLED,
}


def _decimals(step: Decimal) -> int:
    """Digits after the point of a step such as 0.001 (3) or 1 (0)."""
    return max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]


def _is_power_of_ten(step: Decimal) -> bool:
    return step.normalize().as_tuple().digits == (1,)


def _price(venue: str, value: Decimal | None) -> Decimal | None:
    """A venue price (per contract unit) per coin; None stays None."""
    return None if value is None else symbols.price_to_platform(venue, value)


def _amount(venue: str, value: Decimal) -> Decimal:
    """A venue quantity (contract units) in coins."""
    return symbols.amount_to_platform(venue, value)


def market_parse(item: Mapping[str, Any], *, max_leverage: int = DEFAULT_MAX_LEVERAGE) -> Market:
    """One ``exchangeInfo`` symbol: PRICE_FILTER tickSize, LOT_SIZE / MARKET_LOT_SIZE stepSize and
    minQty (the stricter of the two), MIN_NOTIONAL notional; in platform terms (a multiplied
    contract such as 1000PEPEUSDT becomes PEPEUSDT with its tick divided and its step and
    minimum quantity multiplied by 1000, see :mod:`coinex.binance.symbols`)."""
    filters = {f["filterType"]: f for f in item["filters"]}
    venue = item["symbol"]
    tick = symbols.price_to_platform(venue, Decimal(filters["PRICE_FILTER"]["tickSize"]))
    lot, market_lot = filters["LOT_SIZE"], filters.get("MARKET_LOT_SIZE", filters["LOT_SIZE"])
    step = symbols.amount_to_platform(venue, max(Decimal(lot["stepSize"]), Decimal(market_lot["stepSize"])))
    min_qty = symbols.amount_to_platform(venue, max(Decimal(lot["minQty"]), Decimal(market_lot["minQty"])))
    notional = filters.get("MIN_NOTIONAL", {}).get("notional", "0")
    symbol = symbols.platform_symbol(venue)
    base = symbol.removesuffix(item["quoteAsset"]) if venue != symbol else item["baseAsset"]
    return Market(
        symbol=symbol, base_asset=base, quote_asset=item["quoteAsset"],
        min_amount=min_qty, amount_precision=_decimals(step), price_precision=_decimals(tick), tick_size=tick,
        leverages=tuple(range(1, max_leverage + 1)), maker_fee_rate=MAKER_FEE_RATE, taker_fee_rate=TAKER_FEE_RATE,
        min_notional=Decimal(str(notional)),
        # A step of 10 or more (1000 coins of a 1000x contract) is no number of decimals either.
        lot_step=None if _is_power_of_ten(step) and step <= 1 else step,
    )


def balance_parse(account: Mapping[str, Any]) -> Balance:
    """The USDT asset of ``GET /fapi/v2/account``.

    ``available`` is the wallet balance less the margin of positions and open orders (so
    ``equity = available + frozen + margin + unrealized_pnl`` holds as for CoinEx), or
    Binance's ``availableBalance`` when that is lower (cross-margin losses reduce it): never
    more than Binance would let us use. ``equity`` is the margin balance (wallet + unrealized PnL).
    """
    asset = next((a for a in account.get("assets", []) if a.get("asset") == MARGIN_ASSET), {})
    wallet = decimal(asset.get("walletBalance"))
    margin = decimal(asset.get("positionInitialMargin"))
    frozen = decimal(asset.get("openOrderInitialMargin"))
    unrealized = decimal(asset.get("unrealizedProfit"))
    available = wallet - margin - frozen
    if asset.get("availableBalance") not in (None, ""):
        available = min(available, decimal(asset["availableBalance"]))
    return Balance(asset=MARGIN_ASSET, available=available, frozen=frozen, margin=margin,
                   unrealized_pnl=unrealized, equity=wallet + unrealized)


def position_side_of(item: Mapping[str, Any]) -> PositionSide:
    """LONG/SHORT in hedge mode; in one-way mode (BOTH) the sign of ``positionAmt``."""
    side = item.get("positionSide", "BOTH")
    if side == "LONG":
        return PositionSide.LONG
    if side == "SHORT":
        return PositionSide.SHORT
    return PositionSide.LONG if decimal(item["positionAmt"]) > 0 else PositionSide.SHORT


def position_parse(item: Mapping[str, Any], *, take_profit: Decimal | None = None,
                   stop_loss: Decimal | None = None) -> Position:
    """One non-empty ``positionRisk`` entry in platform terms; the TP/SL prices (already per coin)
    come from its open protective orders.

    Binance keeps no position id or opening time: ``opened_at`` is the last update time.
    """
    venue = item["symbol"]
    amount = _amount(venue, abs(decimal(item["positionAmt"])))
    entry, mark = _price(venue, decimal(item["entryPrice"])), _price(venue, decimal(item["markPrice"]))
    isolated = str(item.get("marginType", "")).lower() == "isolated"
    leverage = int(str(item.get("leverage") or 1))
    margin = decimal(item.get("isolatedWallet")) if isolated else (amount * mark / leverage)
    updated = time_from_ms(item.get("updateTime"))
    return Position(
        symbol=symbols.platform_symbol(venue), side=position_side_of(item), amount=amount, entry_price=entry,
        mark_price=mark, leverage=leverage, margin_mode=MarginMode.ISOLATED if isolated else MarginMode.CROSS,
        margin=margin, unrealized_pnl=decimal(item.get("unRealizedProfit")), realized_pnl=Decimal(0),
        liquidation_price=_price(venue, positive_or_none(item.get("liquidationPrice"))),
        take_profit_price=take_profit, stop_loss_price=stop_loss, opened_at=updated, updated_at=updated,
        position_id=None,
    )


def order_status_of(item: Mapping[str, Any]) -> OrderStatus:
    """NEW/PARTIALLY_FILLED/FILLED map directly; CANCELED, EXPIRED, EXPIRED_IN_MATCH and REJECTED
    are canceled, or part_canceled when something filled."""
    status = _ORDER_STATUS.get(str(item["status"]))
    if status is not None:
        return status
    return OrderStatus.PART_CANCELED if decimal(item.get("executedQty")) > 0 else OrderStatus.CANCELED


def order_parse(item: Mapping[str, Any], *, fee: Decimal = Decimal(0), realized_pnl: Decimal = Decimal(0)) -> Order:
    """An order object (``/fapi/v1/order``, ``openOrders``, ``allOrders``) in platform terms; fee
    and realized PnL come from the order's trades (``/fapi/v1/userTrades``), which the order
    object lacks. Triggered protective orders and liquidations are market orders."""
    venue = item["symbol"]
    filled = _amount(venue, decimal(item.get("executedQty")))
    amount = _amount(venue, decimal(item.get("origQty"))) or filled  # a closePosition order has no quantity
    average = _price(venue, positive_or_none(item.get("avgPrice")))
    order_type = OrderType.LIMIT if item.get("type") == "LIMIT" else OrderType.MARKET
    created = time_from_ms(item.get("time") or item.get("updateTime"))
    return Order(
        order_id=str(item["orderId"]), client_id=item.get("clientOrderId") or None,
        symbol=symbols.platform_symbol(venue), side=OrderSide.BUY if item["side"] == "BUY" else OrderSide.SELL,
        type=order_type, amount=amount,
        price=_price(venue, positive_or_none(item.get("price"))) if order_type == OrderType.LIMIT else None,
        filled_amount=filled, filled_value=decimal(item.get("cumQuote")), average_price=average, fee=fee,
        realized_pnl=realized_pnl, status=order_status_of(item), created_at=created,
        updated_at=time_from_ms(item.get("updateTime") or item.get("time")),
    )


def ticker_parse(ticker: Mapping[str, Any], premium: Mapping[str, Any]) -> Ticker:
    """``/fapi/v1/ticker/24hr`` with the mark and index price of ``/fapi/v1/premiumIndex`` (per coin)."""
    venue = ticker["symbol"]
    return Ticker(symbol=symbols.platform_symbol(venue), last_price=_price(venue, decimal(ticker["lastPrice"])),
                  mark_price=_price(venue, decimal(premium["markPrice"])),
                  index_price=_price(venue, positive_or_none(premium.get("indexPrice"))),
                  high=_price(venue, positive_or_none(ticker.get("highPrice"))),
                  low=_price(venue, positive_or_none(ticker.get("lowPrice"))),
                  volume=_amount(venue, decimal(ticker.get("volume"))))


def funding_rate_parse(premium: Mapping[str, Any]) -> FundingRate:
    """``/fapi/v1/premiumIndex``: ``lastFundingRate`` is the rate of the coming settlement."""
    venue = premium["symbol"]
    return FundingRate(symbol=symbols.platform_symbol(venue), mark_price=_price(venue, decimal(premium["markPrice"])),
                       latest_rate=decimal(premium.get("lastFundingRate")), next_rate=None,
                       next_funding_at=time_from_ms(premium["nextFundingTime"]) if premium.get("nextFundingTime")
                       else None)
