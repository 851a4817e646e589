"""The loopback server's Binance USD-M endpoints: documented parameters in, documented JSON out.

Each handler takes the account and the request's parameters (strings, query and form body
merged) and returns the JSON answer. Numbers go out as strings, times as ms integers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from coinex.sandbox_binance.engine import ApiError, SimPosition, UsdmAccount

SUCCESS = {"code": 200, "msg": "success"}


def _require(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise ApiError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
    return value


def _decimal(params: dict[str, str], name: str) -> Decimal | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ApiError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.") from None


def _s(value: Decimal) -> str:
    return f"{value:f}"


# --- market data --------------------------------------------------------------------------------------
def exchange_info(account: UsdmAccount, params: dict[str, str], *, rate_limits: list[dict[str, Any]]) -> Any:
    symbols = []
    for spec in account.specs.values():
        symbols.append({
            "symbol": spec.symbol, "pair": spec.symbol, "contractType": "PERPETUAL", "status": spec.status,
            "baseAsset": spec.symbol.removesuffix("USDT"), "quoteAsset": "USDT", "marginAsset": "USDT",
            "pricePrecision": max(0, -spec.tick.normalize().as_tuple().exponent),
            "quantityPrecision": max(0, -spec.step.normalize().as_tuple().exponent),
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": _s(spec.tick), "maxPrice": "4529764",
                 "tickSize": _s(spec.tick)},
                {"filterType": "LOT_SIZE", "minQty": _s(spec.min_qty), "maxQty": "1000000", "stepSize": _s(spec.step)},
                {"filterType": "MARKET_LOT_SIZE", "minQty": _s(spec.min_qty), "maxQty": "120000",
                 "stepSize": _s(spec.step)},
                {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                {"filterType": "MIN_NOTIONAL", "notional": _s(spec.min_notional)},
            ],
            "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET"],
            "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
        })
    return {"timezone": "UTC", "serverTime": account.clock_ms(), "rateLimits": rate_limits, "exchangeFilters": [],
            "assets": [{"asset": "USDT", "marginAvailable": True}], "symbols": symbols}


def premium_index(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = _require(params, "symbol")
    mark = account.price(symbol)
    now = account.clock_ms()
    return {"symbol": symbol, "markPrice": _s(mark), "indexPrice": _s(mark), "estimatedSettlePrice": _s(mark),
            "lastFundingRate": "0.00010000", "interestRate": "0.00010000",
            "nextFundingTime": (now // 28_800_000 + 1) * 28_800_000, "time": now}


def ticker_24hr(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = _require(params, "symbol")
    last = account.price(symbol)
    return {"symbol": symbol, "lastPrice": _s(last), "highPrice": _s(last), "lowPrice": _s(last),
            "volume": "1000", "quoteVolume": _s(last * 1000), "closeTime": account.clock_ms()}


def leverage_bracket(account: UsdmAccount, params: dict[str, str]) -> Any:
    return [{"symbol": spec.symbol, "brackets": [{"bracket": 1, "initialLeverage": spec.max_leverage,
                                                   "notionalCap": 50000, "notionalFloor": 0, "maintMarginRatio": 0.004,
                                                   "cum": 0}]} for spec in account.specs.values()]


# --- account ---------------------------------------------------------------------------------------------
def _position_json(account: UsdmAccount, position: SimPosition) -> dict[str, Any]:
    amount = position.amount if position.position_side != "SHORT" else -position.amount
    mark = account.price(position.symbol)
    isolated = account.margin_type.get(position.symbol, "CROSSED") == "ISOLATED"
    unrealized = account.unrealized(position) if position.amount else Decimal(0)
    return {"symbol": position.symbol, "positionAmt": _s(amount), "entryPrice": _s(position.entry),
            "breakEvenPrice": _s(position.entry), "markPrice": _s(mark), "unRealizedProfit": _s(unrealized),
            "liquidationPrice": "0", "leverage": str(account.leverage.get(position.symbol, 20)),
            "maxNotionalValue": "50000", "marginType": "isolated" if isolated else "cross",
            "isolatedMargin": _s(position.margin + unrealized) if isolated else "0", "isAutoAddMargin": "false",
            "positionSide": position.position_side, "notional": _s(amount * mark),
            "isolatedWallet": _s(position.margin) if isolated else "0", "updateTime": position.update_ms}


def position_risk(account: UsdmAccount, params: dict[str, str]) -> Any:
    sides = ("LONG", "SHORT") if account.dual_side else ("BOTH",)
    symbols = [params["symbol"]] if params.get("symbol") else list(account.specs)
    answer = []
    for symbol in symbols:
        account.spec(symbol)
        for side in sides:
            position = account.positions.get((symbol, side)) or SimPosition(symbol, side)
            answer.append(_position_json(account, position))
    return answer


def account_info(account: UsdmAccount, params: dict[str, str]) -> Any:
    unrealized = sum((account.unrealized(p) for p in account.positions.values() if p.amount), Decimal(0))
    margin = account.margin_used()
    asset = {"asset": "USDT", "walletBalance": _s(account.wallet), "unrealizedProfit": _s(unrealized),
             "marginBalance": _s(account.wallet + unrealized), "maintMargin": "0", "initialMargin": _s(margin),
             "positionInitialMargin": _s(margin), "openOrderInitialMargin": "0",
             "availableBalance": _s(account.wallet + unrealized - margin), "updateTime": account.clock_ms()}
    return {"feeTier": 0, "canTrade": True, "totalWalletBalance": _s(account.wallet),
            "totalUnrealizedProfit": _s(unrealized), "totalMarginBalance": _s(account.wallet + unrealized),
            "availableBalance": asset["availableBalance"], "assets": [asset], "positions": []}


def position_side_get(account: UsdmAccount, params: dict[str, str]) -> Any:
    return {"dualSidePosition": account.dual_side}


def position_side_set(account: UsdmAccount, params: dict[str, str]) -> Any:
    wanted = _require(params, "dualSidePosition").lower() == "true"
    if wanted == account.dual_side:
        raise ApiError(-4059, "No need to change position side.")
    if any(o["status"] == "NEW" for o in account.orders) or any(a["algoStatus"] == "NEW" for a in account.algo_orders):
        raise ApiError(-4067, "Position side cannot be changed if there exists open orders.")
    if account.has_exposure():
        raise ApiError(-4068, "Position side cannot be changed if there exists position.")
    account.dual_side = wanted
    return SUCCESS


def leverage_set(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = _require(params, "symbol")
    leverage = int(_require(params, "leverage"))
    if not 1 <= leverage <= account.spec(symbol).max_leverage:
        raise ApiError(-4028, f"Leverage {leverage} is not valid")
    account.leverage[symbol] = leverage
    return {"leverage": leverage, "maxNotionalValue": "50000", "symbol": symbol}


def margin_type_set(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = _require(params, "symbol")
    account.spec(symbol)
    margin_type = _require(params, "marginType").upper()
    if margin_type not in ("ISOLATED", "CROSSED"):
        raise ApiError(-1116, "Invalid marginType.")
    if account.margin_type.get(symbol, "CROSSED") == margin_type:
        raise ApiError(-4046, "No need to change margin type.")
    if any(p.symbol == symbol and p.amount for p in account.positions.values()):
        raise ApiError(-4048, "Margin type cannot be changed if there exists position.")
    account.margin_type[symbol] = margin_type
    return SUCCESS


# --- orders ----------------------------------------------------------------------------------------------
def order_new(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = _require(params, "symbol")
    order_type = _require(params, "type")
    price = _decimal(params, "price")
    if order_type == "LIMIT" and price is None:
        raise ApiError(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.")
    return account.order_new(symbol=symbol, side=_require(params, "side"), type=order_type,
                             quantity=_decimal(params, "quantity"), price=price,
                             client_id=params.get("newClientOrderId") or f"auto-{len(account.orders) + 1}",
                             position_side=params.get("positionSide", "BOTH"),
                             reduce_only=params.get("reduceOnly", "false").lower() == "true")


def order_get(account: UsdmAccount, params: dict[str, str]) -> Any:
    return account.order_find(symbol=_require(params, "symbol"), order_id=params.get("orderId"),
                              client_id=params.get("origClientOrderId"))


def order_cancel(account: UsdmAccount, params: dict[str, str]) -> Any:
    return account.order_cancel(symbol=_require(params, "symbol"), order_id=params.get("orderId"),
                                client_id=params.get("origClientOrderId"))


def open_orders(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = params.get("symbol")
    return [o for o in account.orders if o["status"] in ("NEW", "PARTIALLY_FILLED")
            and (symbol is None or o["symbol"] == symbol)]


def all_orders(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = _require(params, "symbol")
    limit = int(params.get("limit", "500"))
    return [o for o in account.orders if o["symbol"] == symbol][-limit:]


def user_trades(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = _require(params, "symbol")
    order_id = params.get("orderId")
    trades = [t for t in account.trades if t["symbol"] == symbol and (not order_id or str(t["orderId"]) == order_id)]
    return trades[-int(params.get("limit", "500")):]


def algo_new(account: UsdmAccount, params: dict[str, str]) -> Any:
    return account.algo_new(params)


def algo_get(account: UsdmAccount, params: dict[str, str]) -> Any:
    return account.algo_find(algo_id=params.get("algoId"), client_algo_id=params.get("clientAlgoId"))


def algo_cancel(account: UsdmAccount, params: dict[str, str]) -> Any:
    algo = account.algo_cancel(algo_id=params.get("algoId"), client_algo_id=params.get("clientAlgoId"))
    return {"algoId": algo["algoId"], "clientAlgoId": algo["clientAlgoId"], "code": "200", "msg": "success"}


def algo_open(account: UsdmAccount, params: dict[str, str]) -> Any:
    symbol = params.get("symbol")
    return [a for a in account.algo_orders if a["algoStatus"] == "NEW" and (symbol is None or a["symbol"] == symbol)]


def listen_key_new(account: UsdmAccount, params: dict[str, str]) -> Any:
    key = next(iter(account.listen_keys), None) or secrets.token_hex(32)
    account.listen_keys.add(key)  # Binance returns the same key while it is valid
    return {"listenKey": key}


def listen_key_keepalive(account: UsdmAccount, params: dict[str, str]) -> Any:
    if not account.listen_keys:
        raise ApiError(-1125, "This listenKey does not exist.")
    return {"listenKey": next(iter(account.listen_keys))}


def listen_key_close(account: UsdmAccount, params: dict[str, str]) -> Any:
    account.listen_keys.clear()
    return {}


@dataclass(frozen=True)
class Route:
    handler: Callable[[UsdmAccount, dict[str, str]], Any]
    signed: bool
    weight: int
    orders: int = 0
    key_only: bool = False  # USER_STREAM: the API key header, no signature


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/fapi/v1/ping"): Route(lambda account, params: {}, False, 1),
    ("GET", "/fapi/v1/time"): Route(lambda account, params: {"serverTime": account.clock_ms()}, False, 1),
    ("GET", "/fapi/v1/premiumIndex"): Route(premium_index, False, 1),
    ("GET", "/fapi/v1/ticker/24hr"): Route(ticker_24hr, False, 1),
    ("GET", "/fapi/v1/leverageBracket"): Route(leverage_bracket, True, 1),
    ("GET", "/fapi/v2/account"): Route(account_info, True, 5),
    ("GET", "/fapi/v2/positionRisk"): Route(position_risk, True, 5),
    ("GET", "/fapi/v1/positionSide/dual"): Route(position_side_get, True, 30),
    ("POST", "/fapi/v1/positionSide/dual"): Route(position_side_set, True, 1),
    ("POST", "/fapi/v1/leverage"): Route(leverage_set, True, 1),
    ("POST", "/fapi/v1/marginType"): Route(margin_type_set, True, 1),
    ("POST", "/fapi/v1/order"): Route(order_new, True, 0, orders=1),
    ("GET", "/fapi/v1/order"): Route(order_get, True, 1),
    ("DELETE", "/fapi/v1/order"): Route(order_cancel, True, 1),
    ("GET", "/fapi/v1/openOrders"): Route(open_orders, True, 1),
    ("GET", "/fapi/v1/allOrders"): Route(all_orders, True, 5),
    ("GET", "/fapi/v1/userTrades"): Route(user_trades, True, 5),
    ("POST", "/fapi/v1/algoOrder"): Route(algo_new, True, 0, orders=1),
    ("GET", "/fapi/v1/algoOrder"): Route(algo_get, True, 1),
    ("DELETE", "/fapi/v1/algoOrder"): Route(algo_cancel, True, 1),
    ("GET", "/fapi/v1/openAlgoOrders"): Route(algo_open, True, 1),
    ("POST", "/fapi/v1/listenKey"): Route(listen_key_new, False, 1, key_only=True),
    ("PUT", "/fapi/v1/listenKey"): Route(listen_key_keepalive, False, 1, key_only=True),
    ("DELETE", "/fapi/v1/listenKey"): Route(listen_key_close, False, 1, key_only=True),
}
