"""The sandbox's CoinEx v2 endpoints: documented request parameters in, documented JSON out.

Each handler takes the sandbox and the request's parameters (query for GET, JSON body for
POST) and returns ``data`` (and a pagination flag for list endpoints). Numbers go out as
strings and times as millisecond integers, as CoinEx sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from coinex.client.parse import MAKER_ONLY_TYPE
from coinex.client.ratelimit import RateGroup
from coinex.dto import MarginMode, OrderSide, OrderType, client_id_valid
from coinex.errors import ExchangeError
from coinex.sandbox.state import SandboxExchange
from coinex.simulator.state import SimOrder, SimPosition

FUNDING_INTERVAL_H = 8
CODE_BAD_PARAMETER = 4004


class ApiError(ExchangeError):
    """An error answer with a CoinEx code."""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _str(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _require(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise ApiError(f"missing parameter {name}", code=CODE_BAD_PARAMETER)
    return value


def _decimal(params: dict[str, Any], name: str, *, required: bool = True) -> Decimal | None:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise ApiError(f"missing parameter {name}", code=CODE_BAD_PARAMETER)
        return None
    if not isinstance(value, str):
        raise ApiError(f"{name} must be a string", code=CODE_BAD_PARAMETER)
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ApiError(f"invalid {name}: {value!r}", code=CODE_BAD_PARAMETER) from None


def _client_id(params: dict[str, Any]) -> str | None:
    client_id = params.get("client_id") or None
    if client_id is not None and not client_id_valid(str(client_id)):
        raise ApiError("invalid client_id: 1-32 letters, digits, '-' or '_'", code=CODE_BAD_PARAMETER)
    return client_id


def _futures(params: dict[str, Any]) -> None:
    if params.get("market_type") != "FUTURES":
        raise ApiError("market_type must be FUTURES", code=CODE_BAD_PARAMETER)


def _enum(enum: type, value: Any, name: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise ApiError(f"invalid {name}: {value!r}", code=CODE_BAD_PARAMETER) from None


# --- JSON shapes ------------------------------------------------------------------------------
def order_json(order: SimOrder) -> dict[str, Any]:
    """An order as CoinEx v2 sends it (futures order object)."""
    return {
        "order_id": order.order_id,
        "market": order.symbol,
        "market_type": "FUTURES",
        "side": str(order.side),
        "type": MAKER_ONLY_TYPE if order.post_only else str(order.type),
        "amount": _str(order.amount),
        "price": _str(order.price) if order.price is not None else "0",
        "unfilled_amount": _str(order.amount - order.filled_amount),
        "filled_amount": _str(order.filled_amount),
        "filled_value": _str(order.filled_value),
        "client_id": order.client_id or "",
        "fee": _str(order.fee),
        "fee_ccy": "USDT",
        "maker_fee_rate": "0",
        "taker_fee_rate": "0",
        "last_filled_amount": _str(order.filled_amount),
        "last_filled_price": _str(order.filled_value / order.filled_amount) if order.filled_amount else "0",
        "realized_pnl": _str(order.realized_pnl),
        "created_at": _ms(order.created_at),
        "updated_at": _ms(order.updated_at),
        "status": str(order.status),
    }


def position_json(sandbox: SandboxExchange, position: SimPosition) -> dict[str, Any]:
    """A position as CoinEx v2 sends it (futures position object)."""
    dto = sandbox.account.position_dto(position)
    notional = position.entry_price * position.amount
    return {
        "position_id": position.position_id,
        "market": position.symbol,
        "market_type": "FUTURES",
        "side": str(position.side),
        "margin_mode": str(position.margin_mode),
        "open_interest": _str(position.amount),
        "close_avbl": _str(position.amount),
        "ath_position_amount": _str(position.amount),
        "unrealized_pnl": _str(dto.unrealized_pnl),
        "realized_pnl": _str(dto.realized_pnl),
        "avg_entry_price": _str(position.entry_price),
        "cml_position_value": _str(notional),
        "max_position_value": _str(notional),
        # Unset triggers are empty strings in CoinEx's answers.
        "take_profit_price": _str(position.take_profit_price),
        "stop_loss_price": _str(dto.stop_loss_price),
        "take_profit_type": "mark_price" if position.take_profit_price else "",
        "stop_loss_type": "mark_price" if dto.stop_loss_price else "",
        "leverage": str(position.leverage),
        "margin_avbl": _str(dto.margin),
        "ath_margin_size": _str(dto.margin),
        "position_margin_rate": _str(dto.margin / notional) if notional else "0",
        "maintenance_margin_rate": _str(sandbox.account.maintenance_margin_rate),
        "maintenance_margin_value": _str(sandbox.account.maintenance_margin_rate * notional),
        "liq_price": _str(dto.liquidation_price),
        "bkr_price": _str(dto.liquidation_price),
        "adl_level": 1,
        "settle_price": _str(position.entry_price),
        "settle_value": _str(notional),
        "created_at": _ms(position.opened_at),
        "updated_at": _ms(position.updated_at),
    }


# --- public endpoints ---------------------------------------------------------------------------
def _symbols(sandbox: SandboxExchange, params: dict[str, Any]) -> list[str]:
    wanted = params.get("market")
    if not wanted:
        return sorted(sandbox.markets)
    symbols = [s.strip() for s in str(wanted).split(",") if s.strip()]
    unknown = [s for s in symbols if s not in sandbox.markets]
    if unknown:
        raise ApiError(f"market {unknown[0]} does not exist", code=3639)
    return symbols


def time_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /time: the sandbox clock in ms."""
    return {"timestamp": sandbox.now_ms()}


def market_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /futures/market: rules of the listed markets (all when ``market`` is absent)."""
    out = []
    for symbol in _symbols(sandbox, params):
        market = sandbox.markets[symbol]
        out.append({
            "market": symbol, "contract_type": "linear",
            "maker_fee_rate": _str(market.maker_fee_rate), "taker_fee_rate": _str(market.taker_fee_rate),
            "min_amount": _str(market.min_amount), "base_ccy": market.base_asset, "quote_ccy": market.quote_asset,
            "base_ccy_precision": market.amount_precision, "quote_ccy_precision": market.price_precision,
            "tick_size": _str(market.tick_size), "leverage": list(market.leverages),
            "open_interest_volume": "0", "is_market_available": True, "is_copy_trading_available": True,
        })
    return out


def ticker_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /futures/ticker: last, mark and index price (all the set price)."""
    out = []
    for symbol in _symbols(sandbox, params):
        price = _str(sandbox.account.state.prices[symbol])
        out.append({
            "market": symbol, "last": price, "open": price, "close": price, "high": price, "low": price,
            "volume": "0", "value": "0", "volume_sell": "0", "volume_buy": "0",
            "index_price": price, "mark_price": price, "open_interest_volume": "0", "period": 86400,
        })
    return out


_PERIOD_S = {"1min": 60, "3min": 180, "5min": 300, "15min": 900, "30min": 1800, "1hour": 3600, "2hour": 7200,
             "4hour": 14400, "6hour": 21600, "12hour": 43200, "1day": 86400, "3day": 259200, "1week": 604800}


def kline_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /futures/kline: flat candles at the current price, oldest first."""
    symbol = _symbols(sandbox, {"market": _require(params, "market")})[0]
    period = params.get("period", "")
    if period not in _PERIOD_S:
        raise ApiError(f"invalid period {period!r}", code=CODE_BAD_PARAMETER)
    limit = min(int(params.get("limit") or 100), 1000)
    step = _PERIOD_S[period]
    last_open = sandbox.now_ms() // 1000 // step * step
    price = _str(sandbox.account.state.prices[symbol])
    return [
        {"market": symbol, "created_at": (last_open - step * i) * 1000, "open": price, "close": price,
         "high": price, "low": price, "volume": "0", "value": "0"}
        for i in reversed(range(limit))
    ]


def funding_rate_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /futures/funding-rate: the configured rate and the next 8 h settlement time."""
    now = sandbox.now()
    hours = (now.hour // FUNDING_INTERVAL_H + 1) * FUNDING_INTERVAL_H
    next_time = now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC) + timedelta(hours=hours)
    out = []
    for symbol in _symbols(sandbox, params):
        rate = _str(sandbox.funding_rate(symbol))
        out.append({
            "market": symbol, "mark_price": _str(sandbox.account.state.prices[symbol]),
            "latest_funding_rate": rate, "next_funding_rate": rate, "max_funding_rate": "0.00375",
            "min_funding_rate": "-0.00375", "latest_funding_time": _ms(next_time - timedelta(hours=8)),
            "next_funding_time": _ms(next_time),
        })
    return out


# --- private endpoints ------------------------------------------------------------------------------
def balance_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /assets/futures/balance: the USDT entry of the futures account."""
    balance = sandbox.account.balance()
    return [{
        "ccy": "USDT", "available": _str(balance.available), "frozen": _str(balance.frozen),
        "margin": _str(balance.margin), "unrealized_pnl": _str(balance.unrealized_pnl),
        "transferrable": _str(max(Decimal(0), balance.available)),
    }]


def _paginate(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], bool]:
    page = max(1, int(params.get("page") or 1))
    limit = max(1, min(int(params.get("limit") or 10), 1000))
    start = (page - 1) * limit
    return items[start:start + limit], len(items) > start + limit


def pending_position_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /futures/pending-position: open positions, paginated."""
    _futures(params)
    symbol = params.get("market")
    positions = [p for s, p in sorted(sandbox.account.state.positions.items()) if not symbol or s == symbol]
    page, has_next = _paginate([position_json(sandbox, p) for p in positions], params)
    return page, has_next


def _orders_listed(sandbox: SandboxExchange, params: dict[str, Any], *, finished: bool) -> Any:
    _futures(params)
    symbol, client_id, side = params.get("market"), params.get("client_id"), params.get("side")
    orders = [
        o for o in sorted(sandbox.account.state.orders.values(), key=lambda o: o.order_id, reverse=True)
        if o.status.is_final == finished and (not symbol or o.symbol == symbol)
        and (not client_id or o.client_id == client_id) and (not side or str(o.side) == side)
    ]
    return _paginate([order_json(o) for o in orders], params)


def pending_order_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /futures/pending-order: resting orders, newest first, paginated."""
    return _orders_listed(sandbox, params, finished=False)


def finished_order_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /futures/finished-order: finished orders, newest first, paginated."""
    return _orders_listed(sandbox, params, finished=True)


def order_status_get(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """GET /futures/order-status: one order; 3600 when unknown."""
    symbol = _require(params, "market")
    try:
        order_id = int(_require(params, "order_id"))
    except ValueError:
        raise ApiError("invalid order_id", code=CODE_BAD_PARAMETER) from None
    return order_json(sandbox.account.order_get(symbol=symbol, order_id=order_id))


def order_post(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """POST /futures/order: place a market or limit order."""
    _futures(params)
    type_text = _require(params, "type")
    post_only = type_text == MAKER_ONLY_TYPE  # CoinEx's post-only limit
    order_type = OrderType.LIMIT if post_only else _enum(OrderType, type_text, "type")
    order = sandbox.account.order_place(
        symbol=_require(params, "market"), side=_enum(OrderSide, _require(params, "side"), "side"),
        type=order_type, amount=_decimal(params, "amount"),
        price=_decimal(params, "price", required=order_type == OrderType.LIMIT),
        client_id=_client_id(params), post_only=post_only,
    )
    sandbox.request_counts[f"order:{order.client_id}"] += 1
    return order_json(order)


def cancel_order_post(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """POST /futures/cancel-order: cancel one resting order."""
    _futures(params)
    try:
        order_id = int(_require(params, "order_id"))
    except (TypeError, ValueError):
        raise ApiError("invalid order_id", code=CODE_BAD_PARAMETER) from None
    return order_json(sandbox.account.order_cancel(symbol=_require(params, "market"), order_id=order_id))


def cancel_by_client_id_post(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """POST /futures/cancel-order-by-client-id: cancel resting orders, one result each."""
    _futures(params)
    symbol, client_id = _require(params, "market"), _require(params, "client_id")
    results = []
    for order in sandbox.account.orders_by_client_id(symbol=symbol, client_id=client_id):
        if order.status.is_final:
            continue
        cancelled = sandbox.account.order_cancel(symbol=symbol, order_id=order.order_id)
        results.append({"code": 0, "data": order_json(cancelled), "message": ""})
    return results


def close_position_post(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """POST /futures/close-position: close all (no amount) or part of the position."""
    _futures(params)
    order_type = _enum(OrderType, _require(params, "type"), "type")
    price = _decimal(params, "price", required=order_type == OrderType.LIMIT)
    order = sandbox.account.position_close(
        symbol=_require(params, "market"), amount=_decimal(params, "amount", required=False),
        client_id=_client_id(params), price=price,
    )
    sandbox.request_counts[f"order:{order.client_id}"] += 1
    return order_json(order)


def adjust_leverage_post(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """POST /futures/adjust-position-leverage: set leverage and margin mode."""
    _futures(params)
    try:
        leverage = int(_require(params, "leverage"))
    except (TypeError, ValueError):
        raise ApiError("invalid leverage", code=CODE_BAD_PARAMETER) from None
    setting = sandbox.account.leverage_set(
        symbol=_require(params, "market"), leverage=leverage,
        margin_mode=_enum(MarginMode, _require(params, "margin_mode"), "margin_mode"),
    )
    return {"margin_mode": str(setting.margin_mode), "leverage": setting.leverage}


def stop_loss_post(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """POST /futures/set-position-stop-loss: attach a stop-loss; answers the position."""
    _futures(params)
    _require(params, "stop_loss_type")
    position = sandbox.account.stop_loss_set(symbol=_require(params, "market"),
                                             price=_decimal(params, "stop_loss_price"))
    return position_json(sandbox, position)


def take_profit_post(sandbox: SandboxExchange, params: dict[str, Any]) -> Any:
    """POST /futures/set-position-take-profit: attach a take-profit; answers the position."""
    _futures(params)
    _require(params, "take_profit_type")
    position = sandbox.account.take_profit_set(symbol=_require(params, "market"),
                                               price=_decimal(params, "take_profit_price"))
    return position_json(sandbox, position)


Handler = Callable[[SandboxExchange, dict[str, Any]], Any]


# (method, path under /v2) -> (handler, signed, rate-limit group, paginated)
ROUTES: dict[tuple[str, str], tuple[Handler, bool, RateGroup, bool]] = {
    ("GET", "/time"): (time_get, False, RateGroup.PUBLIC, False),
    ("GET", "/futures/market"): (market_get, False, RateGroup.PUBLIC, False),
    ("GET", "/futures/ticker"): (ticker_get, False, RateGroup.PUBLIC, False),
    ("GET", "/futures/kline"): (kline_get, False, RateGroup.PUBLIC, False),
    ("GET", "/futures/funding-rate"): (funding_rate_get, False, RateGroup.PUBLIC, False),
    ("GET", "/assets/futures/balance"): (balance_get, True, RateGroup.ACCOUNT, False),
    ("GET", "/futures/pending-position"): (pending_position_get, True, RateGroup.ACCOUNT, True),
    ("GET", "/futures/order-status"): (order_status_get, True, RateGroup.QUERY, False),
    ("GET", "/futures/pending-order"): (pending_order_get, True, RateGroup.QUERY, True),
    ("GET", "/futures/finished-order"): (finished_order_get, True, RateGroup.QUERY, True),
    ("POST", "/futures/order"): (order_post, True, RateGroup.ORDER, False),
    ("POST", "/futures/cancel-order"): (cancel_order_post, True, RateGroup.CANCEL, False),
    ("POST", "/futures/cancel-order-by-client-id"): (cancel_by_client_id_post, True, RateGroup.CANCEL, False),
    ("POST", "/futures/close-position"): (close_position_post, True, RateGroup.ORDER, False),
    ("POST", "/futures/adjust-position-leverage"): (adjust_leverage_post, True, RateGroup.ORDER, False),
    ("POST", "/futures/set-position-stop-loss"): (stop_loss_post, True, RateGroup.ORDER, False),
    ("POST", "/futures/set-position-take-profit"): (take_profit_post, True, RateGroup.ORDER, False),
}
