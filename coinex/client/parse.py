"""CoinEx v2 JSON objects turned into :mod:`coinex.dto` values (raw JSON stops here)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from coinex.dto import (
    Balance,
    Candle,
    FundingRate,
    LeverageSetting,
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
from coinex.errors import ExchangeTemporaryError

ZERO = Decimal(0)


def decimal_or_none(value: Any) -> Decimal | None:
    """``value`` as Decimal; ``None`` for null, empty or zero-meaning-unset strings."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ExchangeTemporaryError(f"CoinEx sent a malformed number: {value!r}") from None


def decimal(value: Any) -> Decimal:
    """``value`` as Decimal, 0 when absent."""
    parsed = decimal_or_none(value)
    return ZERO if parsed is None else parsed


def positive_or_none(value: Any) -> Decimal | None:
    """``value`` as Decimal, ``None`` when absent or 0 (CoinEx sends "0" for "not set")."""
    parsed = decimal_or_none(value)
    return parsed if parsed else None


def time_from_ms(value: Any) -> datetime:
    """A CoinEx millisecond timestamp as aware UTC (epoch when absent)."""
    return datetime.fromtimestamp(int(value or 0) / 1000, tz=UTC)


def market_parse(item: dict[str, Any]) -> Market:
    """A futures market object; the tick is ``tick_size`` or 10 ** -quote_ccy_precision."""
    price_precision = int(item["quote_ccy_precision"])
    tick = positive_or_none(item.get("tick_size")) or Decimal(1).scaleb(-price_precision)
    return Market(
        symbol=item["market"],
        base_asset=item.get("base_ccy", ""),
        quote_asset=item.get("quote_ccy", "USDT"),
        min_amount=decimal(item["min_amount"]),
        amount_precision=int(item["base_ccy_precision"]),
        price_precision=price_precision,
        tick_size=tick,
        leverages=tuple(int(x) for x in item.get("leverage", [])),
        maker_fee_rate=decimal(item.get("maker_fee_rate")),
        taker_fee_rate=decimal(item.get("taker_fee_rate")),
    )


def balance_parse(items: list[dict[str, Any]], *, asset: str = "USDT") -> Balance:
    """The ``asset`` entry of the futures balance list (all zero when the account has none)."""
    item = next((entry for entry in items if entry.get("ccy") == asset), {})
    available, frozen = decimal(item.get("available")), decimal(item.get("frozen"))
    margin, upnl = decimal(item.get("margin")), decimal(item.get("unrealized_pnl"))
    equity = decimal_or_none(item.get("equity"))
    return Balance(
        asset=asset, available=available, frozen=frozen, margin=margin, unrealized_pnl=upnl,
        equity=equity if equity is not None else available + frozen + margin + upnl,
    )


def position_parse(item: dict[str, Any], *, mark_price: Decimal | None = None) -> Position:
    """A futures position object; the mark price is recovered from the unrealized PnL when absent."""
    amount = decimal(item["open_interest"])
    entry = decimal(item["avg_entry_price"])
    upnl = decimal(item.get("unrealized_pnl"))
    side = PositionSide(item["side"])
    if mark_price is None:
        # CoinEx's position carries no mark price; recover it from the PnL at mark.
        direction = 1 if side == PositionSide.LONG else -1
        mark_price = entry + upnl / amount * direction if amount else entry
    return Position(
        symbol=item["market"],
        side=side,
        amount=amount,
        entry_price=entry,
        mark_price=mark_price,
        leverage=int(Decimal(str(item.get("leverage", 1)))),
        margin_mode=MarginMode(item.get("margin_mode", "isolated")),
        margin=decimal(item.get("margin_avbl")),
        unrealized_pnl=upnl,
        realized_pnl=decimal(item.get("realized_pnl")),
        liquidation_price=positive_or_none(item.get("liq_price")),
        take_profit_price=positive_or_none(item.get("take_profit_price")),
        stop_loss_price=positive_or_none(item.get("stop_loss_price")),
        opened_at=time_from_ms(item.get("created_at")),
        updated_at=time_from_ms(item.get("updated_at") or item.get("created_at")),
        position_id=str(item["position_id"]) if item.get("position_id") is not None else None,
    )


MAKER_ONLY_TYPE = "maker_only"  # CoinEx v2's post-only limit order type


def order_parse(item: dict[str, Any]) -> Order:
    """A futures order object; a missing status is inferred from the fill."""
    filled_amount = decimal(item.get("filled_amount"))
    filled_value = decimal(item.get("filled_value"))
    amount = decimal(item.get("amount"))
    status_text = item.get("status")
    if status_text:
        status = OrderStatus(status_text)
    elif amount and filled_amount >= amount:  # the place-order answer omits it; infer from the fill
        status = OrderStatus.FILLED
    else:
        status = OrderStatus.PART_FILLED if filled_amount else OrderStatus.OPEN
    return Order(
        order_id=str(item["order_id"]),
        client_id=item.get("client_id") or None,
        symbol=item["market"],
        side=OrderSide(item["side"]),
        type=OrderType.MARKET if item["type"] == "market" else OrderType.LIMIT,  # limit, maker_only, ioc, fok
        amount=amount,
        price=positive_or_none(item.get("price")),
        filled_amount=filled_amount,
        filled_value=filled_value,
        average_price=(filled_value / filled_amount) if filled_amount else None,
        fee=decimal(item.get("fee")),
        realized_pnl=decimal(item.get("realized_pnl")),
        status=status,
        created_at=time_from_ms(item.get("created_at")),
        updated_at=time_from_ms(item.get("updated_at") or item.get("created_at")),
    )


def ticker_parse(item: dict[str, Any]) -> Ticker:
    """A futures ticker object."""
    return Ticker(
        symbol=item["market"],
        last_price=decimal(item["last"]),
        mark_price=decimal(item.get("mark_price") or item["last"]),
        index_price=positive_or_none(item.get("index_price")),
        high=decimal_or_none(item.get("high")),
        low=decimal_or_none(item.get("low")),
        volume=decimal_or_none(item.get("volume")),
    )


def funding_rate_parse(item: dict[str, Any]) -> FundingRate:
    """A funding-rate object."""
    next_time = item.get("next_funding_time")
    return FundingRate(
        symbol=item["market"],
        mark_price=decimal(item.get("mark_price")),
        latest_rate=decimal(item.get("latest_funding_rate")),
        next_rate=decimal_or_none(item.get("next_funding_rate")),
        next_funding_at=time_from_ms(next_time) if next_time else None,
    )


def leverage_parse(item: dict[str, Any], *, symbol: str) -> LeverageSetting:
    """The answer of adjust-position-leverage for ``symbol``."""
    return LeverageSetting(symbol=symbol, leverage=int(item["leverage"]), margin_mode=MarginMode(item["margin_mode"]))


def candle_parse(item: dict[str, Any]) -> Candle:
    """A kline object."""
    return Candle(
        symbol=item["market"],
        opened_at=time_from_ms(item["created_at"]),
        open=decimal(item["open"]),
        high=decimal(item["high"]),
        low=decimal(item["low"]),
        close=decimal(item["close"]),
        volume=decimal(item.get("volume")),
    )
