"""The loopback Binance USD-M server's account: markets, mark prices, orders, positions, algo orders.

Deliberately simple and documented: market orders fill at the mark price; limit orders
rest until the mark price crosses them; STOP_MARKET / TAKE_PROFIT_MARKET algo orders fire
when the mark price crosses their trigger (``workingType`` is accepted, both read the one
settable price); margin is the entry notional over the leverage; fees are taker 0.05 %.
No liquidation, funding settlement or partial fills. Every method runs under the
server's lock. Errors are raised as :class:`ApiError` with Binance's code and message.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from coinex.binance.markets_default import exchange_info_bundled, max_leverages_bundled
from coinex.binance.symbols import price_to_venue, venue_symbol
from coinex.simulator.markets import default_prices as coin_prices

TAKER_FEE_RATE = Decimal("0.0005")
ZERO = Decimal(0)


class ApiError(Exception):
    """An error answer: Binance ``code`` and ``msg`` with an HTTP status (400 by default)."""

    def __init__(self, code: int, msg: str, *, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


@dataclass
class SymbolSpec:
    """exchangeInfo rules of one symbol."""

    symbol: str
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    min_notional: Decimal
    max_leverage: int = 125
    status: str = "TRADING"


def default_specs() -> dict[str, SymbolSpec]:
    """The platform's 29 USDT perpetuals with Binance's real filters, as bundled for the paper
    exchange (:mod:`coinex.binance.markets_default`), under their venue symbols (1000PEPEUSDT)."""
    leverages = max_leverages_bundled()
    specs = {}
    for item in exchange_info_bundled():
        filters = {f["filterType"]: f for f in item["filters"]}
        specs[item["symbol"]] = SymbolSpec(item["symbol"], Decimal(filters["PRICE_FILTER"]["tickSize"]),
                                           Decimal(filters["LOT_SIZE"]["stepSize"]),
                                           Decimal(filters["LOT_SIZE"]["minQty"]),
                                           Decimal(filters["MIN_NOTIONAL"]["notional"]),
                                           max_leverage=leverages[item["symbol"]])
    return specs


def default_prices() -> dict[str, Decimal]:
    """A realistic mark price per venue symbol (the simulator's per-coin prices, per contract)."""
    return {venue_symbol(symbol): price_to_venue(symbol, price) for symbol, price in coin_prices().items()}


@dataclass
class SimPosition:
    symbol: str
    position_side: str  # BOTH, LONG or SHORT
    amount: Decimal = ZERO  # signed in one-way mode (BOTH); positive for LONG/SHORT
    entry: Decimal = ZERO
    margin: Decimal = ZERO
    update_ms: int = 0


@dataclass
class UsdmAccount:
    """One account on the loopback server."""

    wallet: Decimal
    clock_ms: Any  # () -> int
    specs: dict[str, SymbolSpec] = field(default_factory=default_specs)
    prices: dict[str, Decimal] = field(default_factory=default_prices)
    dual_side: bool = False
    leverage: dict[str, int] = field(default_factory=dict)
    margin_type: dict[str, str] = field(default_factory=dict)
    positions: dict[tuple[str, str], SimPosition] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    algo_orders: list[dict[str, Any]] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)
    listen_keys: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(8_000_000_001))

    # --- helpers ------------------------------------------------------------------------------
    def spec(self, symbol: str) -> SymbolSpec:
        spec = self.specs.get(symbol)
        if spec is None:
            raise ApiError(-1121, "Invalid symbol.")
        return spec

    def price(self, symbol: str) -> Decimal:
        return self.prices[self.spec(symbol).symbol]

    def _leverage(self, symbol: str) -> int:
        return self.leverage.get(symbol, 20)

    def _position(self, symbol: str, position_side: str) -> SimPosition:
        key = (symbol, position_side)
        if key not in self.positions:
            self.positions[key] = SimPosition(symbol, position_side)
        return self.positions[key]

    def has_exposure(self) -> bool:
        """True with any open position or resting order (blocks a position-mode change)."""
        return any(p.amount for p in self.positions.values())

    def margin_used(self) -> Decimal:
        return sum((p.margin for p in self.positions.values()), ZERO)

    def unrealized(self, position: SimPosition) -> Decimal:
        direction = self._direction(position)
        return (self.price(position.symbol) - position.entry) * abs(position.amount) * direction

    @staticmethod
    def _direction(position: SimPosition) -> int:
        if position.position_side == "SHORT" or (position.position_side == "BOTH" and position.amount < 0):
            return -1
        return 1

    # --- orders -------------------------------------------------------------------------------------
    def order_new(self, *, symbol: str, side: str, type: str, quantity: Decimal | None, price: Decimal | None,
                  client_id: str, position_side: str, reduce_only: bool, orig_type: str | None = None
                  ) -> dict[str, Any]:
        """Validate and place an order; a market order fills at once at the mark price."""
        spec = self.spec(symbol)
        if spec.status != "TRADING":
            raise ApiError(-1122, "Invalid symbol status.")
        if type not in ("MARKET", "LIMIT"):
            raise ApiError(-4120, "Order type not supported for this endpoint. Please use the Algo Order API "
                                  "endpoints instead.")
        if self.dual_side and position_side not in ("LONG", "SHORT"):
            raise ApiError(-4061, "Order's position side does not match user's setting.")
        if not self.dual_side and position_side != "BOTH":
            raise ApiError(-4061, "Order's position side does not match user's setting.")
        if self.dual_side and reduce_only:
            raise ApiError(-1106, "Parameter 'reduceonly' sent when not required.")
        if any(o["clientOrderId"] == client_id and o["status"] in ("NEW", "PARTIALLY_FILLED") for o in self.orders):
            raise ApiError(-4015, "Client order id is not valid.")
        if quantity is None or quantity <= 0:
            raise ApiError(-4003, "Quantity less than or equal to zero.")
        if quantity % spec.step or (price is not None and price % spec.tick):
            raise ApiError(-1111, "Precision is over the maximum defined for this asset.")
        if quantity < spec.min_qty:
            raise ApiError(-4005, "Quantity less than min quantity.")
        fill_price = price if type == "LIMIT" else self.price(symbol)
        reducing = self._reduces(symbol, side, position_side) or reduce_only
        if reduce_only and not self._reduces(symbol, side, position_side):
            raise ApiError(-2022, "ReduceOnly Order is rejected.")
        if not reducing and fill_price is not None and fill_price * quantity < spec.min_notional:
            raise ApiError(-4164, f"Order's notional must be no smaller than {spec.min_notional} (unless you choose "
                                  "reduce only).")
        now = self.clock_ms()
        order = {"orderId": next(self._ids), "symbol": symbol, "status": "NEW", "clientOrderId": client_id,
                 "price": f"{price:f}" if price is not None else "0", "avgPrice": "0", "origQty": f"{quantity:f}",
                 "executedQty": "0", "cumQuote": "0", "timeInForce": "GTC",
                 "type": type, "reduceOnly": reduce_only, "closePosition": False, "side": side,
                 "positionSide": position_side, "stopPrice": "0", "workingType": "CONTRACT_PRICE",
                 "priceProtect": False, "origType": orig_type or type, "time": now, "updateTime": now}
        if type == "MARKET":
            self._fill(order, fill_price)
        self.orders.append(order)
        return order

    def _reduces(self, symbol: str, side: str, position_side: str) -> bool:
        position = self.positions.get((symbol, position_side))
        if position is None or not position.amount:
            return False
        if position_side == "LONG":
            return side == "SELL"
        if position_side == "SHORT":
            return side == "BUY"
        return (position.amount > 0) == (side == "SELL")

    def _fill(self, order: dict[str, Any], price: Decimal) -> None:
        symbol, side, position_side = order["symbol"], order["side"], order["positionSide"]
        quantity = Decimal(order["origQty"])
        position = self._position(symbol, position_side)
        signed = quantity if side == "BUY" else -quantity
        if position_side == "SHORT":
            signed = -signed  # a SHORT position's amount is positive; a sell adds to it
        fee = (price * quantity * TAKER_FEE_RATE).quantize(Decimal("0.00000001"))
        realized = ZERO
        current = position.amount
        if current == 0 or (current > 0) == (signed > 0):  # open or add
            margin_needed = price * quantity / self._leverage(symbol)
            if self.wallet - self.margin_used() - fee < margin_needed:
                raise ApiError(-2019, "Margin is insufficient.")
            total = abs(current) + quantity
            position.entry = (position.entry * abs(current) + price * quantity) / total
            position.amount = current + signed
            position.margin += margin_needed
        else:  # reduce (never flips: reduceOnly and hedge closes are capped by the engine)
            closed = min(quantity, abs(current))
            direction = 1 if current > 0 else -1
            if position_side == "SHORT":
                direction = -1
            realized = (price - position.entry) * closed * direction
            position.margin -= position.margin * closed / abs(current)
            position.amount = current + (closed if signed > 0 else -closed)
            quantity = closed
            if position.amount == 0:
                position.entry, position.margin = ZERO, ZERO
        self.wallet += realized - fee
        position.update_ms = self.clock_ms()
        order.update(status="FILLED", executedQty=f"{quantity:f}", origQty=order["origQty"],
                     avgPrice=f"{price:f}", cumQuote=f"{price * quantity:f}", updateTime=self.clock_ms())
        self.trades.append({"symbol": symbol, "id": len(self.trades) + 1, "orderId": order["orderId"], "side": side,
                            "price": f"{price:f}", "qty": f"{quantity:f}", "realizedPnl": f"{realized:f}",
                            "quoteQty": f"{price * quantity:f}", "commission": f"{fee:f}",
                            "commissionAsset": "USDT", "time": self.clock_ms(), "positionSide": position_side})

    def order_find(self, *, symbol: str, order_id: str | None, client_id: str | None) -> dict[str, Any]:
        """The order by id or client id (newest first); -2013 when none."""
        for order in reversed(self.orders):
            if order["symbol"] == symbol and ((order_id and str(order["orderId"]) == order_id)
                                              or (client_id and order["clientOrderId"] == client_id)):
                return order
        raise ApiError(-2013, "Order does not exist.")

    def order_cancel(self, *, symbol: str, order_id: str | None, client_id: str | None) -> dict[str, Any]:
        try:
            order = self.order_find(symbol=symbol, order_id=order_id, client_id=client_id)
        except ApiError:
            raise ApiError(-2011, "Unknown order sent.") from None
        if order["status"] not in ("NEW", "PARTIALLY_FILLED"):
            raise ApiError(-2011, "Unknown order sent.")
        order.update(status="CANCELED", updateTime=self.clock_ms())
        return order

    # --- algo (conditional) orders -------------------------------------------------------------------
    def algo_new(self, params: dict[str, str]) -> dict[str, Any]:
        """A CONDITIONAL STOP_MARKET / TAKE_PROFIT_MARKET order (closePosition or quantity)."""
        symbol = params.get("symbol", "")
        spec = self.spec(symbol)
        if params.get("algoType") != "CONDITIONAL":
            raise ApiError(-1116, "Invalid algoType.")
        kind = params.get("type")
        if kind not in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
            raise ApiError(-1116, "Invalid orderType.")
        trigger = Decimal(params.get("triggerPrice") or "0")
        if trigger <= 0 or trigger % spec.tick:
            raise ApiError(-1111, "Precision is over the maximum defined for this asset.")
        side, position_side = params.get("side", ""), params.get("positionSide", "BOTH")
        if self.dual_side != (position_side in ("LONG", "SHORT")):
            raise ApiError(-4061, "Order's position side does not match user's setting.")
        close_position = params.get("closePosition", "false").lower() == "true"
        if close_position and params.get("quantity"):
            raise ApiError(-1106, "Parameter 'quantity' sent when not required.")
        if self._would_trigger(kind, side, trigger, self.price(symbol)):
            raise ApiError(-2021, "Order would immediately trigger.")
        client_algo_id = params.get("clientAlgoId") or f"auto-{next(self._ids)}"
        if any(o["clientAlgoId"] == client_algo_id for o in self.algo_orders):
            raise ApiError(-4116, "ClientOrderId is duplicated.")
        now = self.clock_ms()
        algo = {"algoId": next(self._ids), "clientAlgoId": client_algo_id, "algoType": "CONDITIONAL",
                "orderType": kind, "symbol": symbol, "side": side, "positionSide": position_side,
                "timeInForce": "GTC", "quantity": params.get("quantity") or "0", "algoStatus": "NEW",
                "triggerPrice": f"{trigger:f}", "price": "0", "workingType": params.get("workingType",
                                                                                      "CONTRACT_PRICE"),
                "closePosition": close_position, "priceProtect": params.get("priceProtect", "FALSE") == "TRUE",
                "reduceOnly": params.get("reduceOnly", "false") == "true", "createTime": now, "updateTime": now,
                "actualOrderId": ""}
        self.algo_orders.append(algo)
        return algo

    @staticmethod
    def _would_trigger(kind: str, side: str, trigger: Decimal, mark: Decimal) -> bool:
        # A stop closing a long (SELL) fires at or below; a take-profit closing a long at or above.
        if kind == "STOP_MARKET":
            return mark <= trigger if side == "SELL" else mark >= trigger
        return mark >= trigger if side == "SELL" else mark <= trigger

    def algo_find(self, *, algo_id: str | None, client_algo_id: str | None) -> dict[str, Any]:
        for algo in reversed(self.algo_orders):
            if (algo_id and str(algo["algoId"]) == algo_id) or (client_algo_id and algo["clientAlgoId"] ==
                                                                  client_algo_id):
                return algo
        raise ApiError(-2013, "Order does not exist.")

    def algo_cancel(self, *, algo_id: str | None, client_algo_id: str | None) -> dict[str, Any]:
        try:
            algo = self.algo_find(algo_id=algo_id, client_algo_id=client_algo_id)
        except ApiError:
            raise ApiError(-2011, "Unknown order sent.") from None
        if algo["algoStatus"] != "NEW":
            raise ApiError(-2011, "Unknown order sent.")
        algo.update(algoStatus="CANCELED", updateTime=self.clock_ms())
        return algo

    def price_set(self, symbol: str, price: Decimal) -> list[int]:
        """Move the mark price: fires crossed algo orders, then fills crossed limit orders."""
        self.spec(symbol)
        self.prices[symbol] = price
        fired = []
        for algo in self.algo_orders:
            if algo["symbol"] != symbol or algo["algoStatus"] != "NEW":
                continue
            if self._would_trigger(algo["orderType"], algo["side"], Decimal(algo["triggerPrice"]), price):
                fired.append(self._algo_fire(algo))
        for order in self.orders:
            if order["symbol"] == symbol and order["status"] == "NEW" and order["type"] == "LIMIT":
                limit = Decimal(order["price"])
                if (order["side"] == "BUY" and price <= limit) or (order["side"] == "SELL" and price >= limit):
                    self._fill(order, limit)
        return [order_id for order_id in fired if order_id]

    def _algo_fire(self, algo: dict[str, Any]) -> int | None:
        position = self.positions.get((algo["symbol"], algo["positionSide"]))
        closes = self._reduces(algo["symbol"], algo["side"], algo["positionSide"])
        if algo["closePosition"]:
            quantity = abs(position.amount) if position is not None and closes else ZERO
        else:
            quantity = Decimal(algo["quantity"])
        if quantity == 0:
            algo.update(algoStatus="EXPIRED", updateTime=self.clock_ms())  # nothing left to close
            return None
        order = self.order_new(symbol=algo["symbol"], side=algo["side"], type="MARKET", quantity=quantity,
                               price=None, client_id=algo["clientAlgoId"], position_side=algo["positionSide"],
                               reduce_only=False, orig_type=algo["orderType"])
        order["closePosition"] = algo["closePosition"]
        algo.update(algoStatus="FINISHED", actualOrderId=str(order["orderId"]), updateTime=self.clock_ms())
        return int(order["orderId"])
