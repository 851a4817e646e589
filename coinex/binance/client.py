"""The live Binance USD-M futures exchange: :class:`coinex.exchange.Exchange` over ``/fapi``.

One-way positions by default, as the protocol assumes. Hedge mode (``hedge_mode=True``):
the account holds a long and a short per symbol, keyed by (symbol, side); a buy opens or
adds to the long and a sell to the short, and the methods that act on one position take
an optional ``side`` (required only when both sides are open). See docs/EXCHANGES.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from coinex.binance import parse
from coinex.binance.codes import (
    CODE_MIN_NOTIONAL,
    CODE_NO_NEED_TO_CHANGE_MARGIN_TYPE,
    CODE_NO_NEED_TO_CHANGE_POSITION_SIDE,
)
from coinex.binance.limits import limits_from_exchange_info
from coinex.binance.protective import ProtectiveOrders, ProtectiveType
from coinex.binance.status import venue_status_from
from coinex.binance.symbols import amount_to_venue, platform_symbol, price_to_venue, venue_symbol
from coinex.binance.transport import DEFAULT_RECV_WINDOW_MS, BinanceTransport
from coinex.client.transport import ApiCredentials, RequestTimedOut
from coinex.dto import (
    Balance,
    FundingRate,
    LeverageSetting,
    MarginMode,
    Market,
    Order,
    OrderSide,
    OrderType,
    Position,
    PositionSide,
    Ticker,
    client_id_problem,
)
from coinex.errors import ExchangeError, ExchangeTemporaryError, OrderNotFound, OrderRejected
from coinex.venue import Venue, VenueStatus
from config.logging import Category

logger = logging.getLogger(__name__)

MARKETS_CACHE_TTL_S = 3600.0
FINAL_STATUSES = frozenset({"FILLED", "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH", "REJECTED"})
# Documented request weights (IP, per minute) of the endpoints this client calls.
WEIGHT_ACCOUNT = 5  # /fapi/v2/account, /fapi/v2/positionRisk, allOrders, userTrades
WEIGHT_POSITION_MODE_GET = 30
WEIGHT_OPEN_ORDERS_ALL = 40  # openOrders / openAlgoOrders without a symbol


def _number(value: Decimal) -> str:
    """A Decimal in plain notation, never an exponent."""
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def _parsed[T](convert: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return convert(*args, **kwargs)
    except (KeyError, ValueError, TypeError, StopIteration) as error:
        raise ExchangeTemporaryError(f"unexpected Binance answer: {type(error).__name__}: {error}") from None


class BinanceUsdmClient:
    """Live Binance USD-M perpetual futures account (USDT margin)."""

    venue = Venue.BINANCE

    def __init__(self, *, transport: BinanceTransport, hedge_mode: bool = False) -> None:
        self.transport = transport
        self.hedge_mode = hedge_mode
        self.protective = ProtectiveOrders(transport=transport, hedge_mode=hedge_mode)
        self._markets: dict[str, Market] = {}
        self._symbol_statuses: dict[str, str] = {}
        self._markets_loaded_at: float | None = None
        self._markets_lock = threading.Lock()
        self._position_mode_checked = False

    @classmethod
    def create(cls, *, base_url: str, credentials: ApiCredentials | None, timeout_s: float = 10.0,
               recv_window_ms: int = DEFAULT_RECV_WINDOW_MS, hedge_mode: bool = False) -> BinanceUsdmClient:
        """A client for ``base_url`` (``https://fapi.binance.com``, the testnet, or a loopback server)."""
        transport = BinanceTransport(base_url=base_url, credentials=credentials, timeout_s=timeout_s,
                                     recv_window_ms=recv_window_ms)
        return cls(transport=transport, hedge_mode=hedge_mode)

    def close(self) -> None:
        """Release network resources."""
        self.transport.close()

    # --- market data ------------------------------------------------------------------------------
    def _exchange_info_load(self) -> None:
        info = self.transport.get("/fapi/v1/exchangeInfo")
        self.transport.tracker.limits_set(_parsed(limits_from_exchange_info, info.get("rateLimits", [])))
        max_leverage = self._max_leverages()
        symbols = [item for item in info.get("symbols", []) if item.get("contractType", "PERPETUAL") == "PERPETUAL"]
        self._symbol_statuses = {platform_symbol(item["symbol"]): str(item.get("status")) for item in symbols}
        # A symbol that is not TRADING cannot take orders: as if it did not exist (venue_status says why).
        self._markets = {platform_symbol(item["symbol"]): _parsed(parse.market_parse, item,
                                                 max_leverage=max_leverage.get(item["symbol"],
                                                                               parse.DEFAULT_MAX_LEVERAGE))
                         for item in symbols if item.get("status") == parse.STATUS_TRADING}
        self._markets_loaded_at = time.monotonic()

    def _max_leverages(self) -> dict[str, int]:
        """Highest initial leverage per symbol (``/fapi/v1/leverageBracket``, signed); {} without keys."""
        if self.transport.credentials is None:
            return {}
        try:
            brackets = self.transport.get("/fapi/v1/leverageBracket", signed=True)
        except ExchangeError as error:
            logger.warning("leverage brackets unavailable (%s); assuming 1-%sx", error, parse.DEFAULT_MAX_LEVERAGE,
                           extra={"category": Category.API})
            return {}
        return {item["symbol"]: max(int(b["initialLeverage"]) for b in item["brackets"]) for item in brackets}

    def markets(self) -> list[Market]:
        """Trading rules of every TRADING perpetual (``GET /fapi/v1/exchangeInfo``, cached for an hour)."""
        with self._markets_lock:
            if not (self._markets_loaded_at and time.monotonic() - self._markets_loaded_at < MARKETS_CACHE_TTL_S):
                self._exchange_info_load()
            return list(self._markets.values())

    def market(self, *, symbol: str) -> Market:
        """Rules of ``symbol``; ``OrderRejected`` (-1121) when it is not a TRADING perpetual."""
        for market in self.markets():
            if market.symbol == symbol:
                return market
        raise OrderRejected(f"market {symbol} is not trading on Binance USD-M", code=-1121)

    def ticker(self, *, symbol: str) -> Ticker:
        """Last price (``/fapi/v1/ticker/24hr``) and mark/index price (``/fapi/v1/premiumIndex``)."""
        ticker = self.transport.get("/fapi/v1/ticker/24hr", params={"symbol": venue_symbol(symbol)})
        premium = self.transport.get("/fapi/v1/premiumIndex", params={"symbol": venue_symbol(symbol)})
        return _parsed(parse.ticker_parse, ticker, premium)

    def funding_rate(self, *, symbol: str) -> FundingRate:
        """Funding of the coming settlement (``/fapi/v1/premiumIndex``)."""
        return _parsed(parse.funding_rate_parse, self.transport.get("/fapi/v1/premiumIndex",
                                                                         params={"symbol": venue_symbol(symbol)}))

    def server_time(self) -> datetime:
        """The exchange clock (``GET /fapi/v1/time``)."""
        return parse.time_from_ms(self.transport.server_time_ms())

    def venue_status(self, *, symbols: Iterable[str] = ()) -> VenueStatus:
        """``/fapi/v1/ping`` for the venue, fresh ``exchangeInfo`` statuses for ``symbols``."""
        return venue_status_from(transport=self.transport, symbols=symbols)

    # --- account ------------------------------------------------------------------------------------
    def balance(self) -> Balance:
        """USDT futures balance (``GET /fapi/v2/account``)."""
        return _parsed(parse.balance_parse, self.transport.get("/fapi/v2/account", signed=True,
                                                                 weight=WEIGHT_ACCOUNT))

    def _position_items(self, symbol: str | None = None) -> list[Mapping[str, Any]]:
        items = self.transport.get("/fapi/v2/positionRisk", signed=True, weight=WEIGHT_ACCOUNT,
                                   params={"symbol": venue_symbol(symbol) if symbol else None})
        return [item for item in items or [] if parse.decimal(item.get("positionAmt")) != 0]

    def _positions_parse(self, items: list[Mapping[str, Any]]) -> list[Position]:
        protections = self.protective.prices_by_position(symbols={platform_symbol(item["symbol"]) for item in items})
        positions = []
        for item in items:
            side = _parsed(parse.position_side_of, item)
            take_profit, stop_loss = protections.get((platform_symbol(item["symbol"]), side), (None, None))
            positions.append(_parsed(parse.position_parse, item, take_profit=take_profit, stop_loss=stop_loss))
        return positions

    def positions(self) -> list[Position]:
        """Every open position (``GET /fapi/v2/positionRisk``), with its protective order prices."""
        return self._positions_parse(self._position_items())

    def positions_by_key(self) -> dict[tuple[str, PositionSide], Position]:
        """Open positions keyed by (symbol, side): one per symbol one-way, up to two in hedge mode."""
        return {(position.symbol, position.side): position for position in self.positions()}

    def position(self, *, symbol: str, side: PositionSide | None = None) -> Position | None:
        """The open position of ``symbol`` (of ``side`` in hedge mode) or ``None``.

        In hedge mode with both sides open and no ``side``: ``OrderRejected`` (ambiguous).
        """
        positions = [p for p in self._positions_parse(self._position_items(symbol))
                     if p.symbol == symbol and (side is None or p.side == side)]
        if len(positions) > 1:
            raise OrderRejected(f"{symbol} has a long and a short position (hedge mode): name the side")
        return positions[0] if positions else None

    def position_mode_hedge(self) -> bool:
        """True when the account is in hedge mode (``GET /fapi/v1/positionSide/dual``)."""
        data = self.transport.get("/fapi/v1/positionSide/dual", signed=True, weight=WEIGHT_POSITION_MODE_GET)
        return bool(data["dualSidePosition"])

    def position_mode_set(self, *, hedge: bool) -> None:
        """Switch the account to hedge (True) or one-way (False) mode (``POST /fapi/v1/positionSide/dual``).

        Binance refuses the switch while orders or positions are open (-4067, -4068:
        ``OrderRejected``); already being in that mode (-4059) is success.
        """
        try:
            self.transport.post("/fapi/v1/positionSide/dual", params={"dualSidePosition": hedge})
        except OrderRejected as error:
            if error.code != CODE_NO_NEED_TO_CHANGE_POSITION_SIDE:
                raise
        logger.info("Binance position mode is %s", "hedge" if hedge else "one-way", extra={"category": Category.TRADE})

    def _position_mode_ensure(self) -> None:
        """Once per client: the account's mode must be this client's, else orders would be misread."""
        if self._position_mode_checked:
            return
        if self.position_mode_hedge() != self.hedge_mode:
            self.position_mode_set(hedge=self.hedge_mode)
        self._position_mode_checked = True

    # --- orders -------------------------------------------------------------------------------------
    def order_place(self, *, symbol: str, side: OrderSide, type: OrderType, amount: Decimal, client_id: str,
                    price: Decimal | None = None, post_only: bool = False) -> Order:
        """``POST /fapi/v1/order`` (newClientOrderId = ``client_id``). After a timeout or an
        unknown outcome the order is looked up by ``client_id`` and resent only when Binance has
        no trace of it. In hedge mode a buy opens/adds to the long, a sell to the short. A ``post_only``
        limit is ``timeInForce=GTX`` (good till crossing: expires instead of taking liquidity)."""
        if problem := client_id_problem(client_id):
            raise OrderRejected(problem)
        market = self.market(symbol=symbol)
        quantity = market.amount_round(amount)
        if quantity <= 0 or quantity < market.min_amount:
            raise OrderRejected(f"amount {amount} is below {symbol}'s minimum {market.min_amount} after rounding")
        self._position_mode_ensure()
        params: dict[str, Any] = {"symbol": venue_symbol(symbol), "side": side.upper(), "type": type.upper(),
                                  "quantity": _number(amount_to_venue(symbol, quantity)), "newClientOrderId": client_id,
                                  "newOrderRespType": "RESULT"}
        if self.hedge_mode:
            params["positionSide"] = "LONG" if side == OrderSide.BUY else "SHORT"
        if type == OrderType.LIMIT:
            if price is None:
                raise OrderRejected("a limit order needs a price")
            rounded_price = market.price_round(price)
            if market.min_notional and rounded_price * quantity < market.min_notional:
                raise OrderRejected(f"order value {rounded_price * quantity} is below {symbol}'s minimum "
                                    f"{market.min_notional} USDT", code=CODE_MIN_NOTIONAL)
            params.update(price=_number(price_to_venue(symbol, rounded_price)),
                          timeInForce="GTX" if post_only else "GTC")
        return self._order_post_idempotently(params, symbol=symbol, client_id=client_id)

    def _order_post_idempotently(self, params: dict[str, Any], *, symbol: str, client_id: str) -> Order:
        try:
            return self._order_with_fees(self.transport.post("/fapi/v1/order", params=params, weight=0, orders=1))
        except RequestTimedOut:
            logger.warning("order %s: outcome unknown; looking it up before any resend", client_id,
                           extra={"category": Category.TRADE, "symbol": symbol})
        existing = self.order_by_client_id(symbol=symbol, client_id=client_id)
        if existing is not None:
            logger.info("order %s had reached Binance; not resending", client_id,
                        extra={"category": Category.TRADE, "symbol": symbol})
            return existing
        logger.info("order %s never reached Binance; sending it again", client_id,
                    extra={"category": Category.TRADE, "symbol": symbol})
        return self._order_with_fees(self.transport.post("/fapi/v1/order", params=params, weight=0, orders=1))

    def _fees_by_order(self, symbol: str, *, order_id: str | None = None) -> dict[str, tuple[Decimal, Decimal]]:
        """Commission and realized PnL per order id from ``GET /fapi/v1/userTrades``."""
        trades = self.transport.get("/fapi/v1/userTrades", signed=True, weight=WEIGHT_ACCOUNT,
                                    params={"symbol": venue_symbol(symbol), "orderId": order_id, "limit": 1000})
        totals: dict[str, tuple[Decimal, Decimal]] = {}
        for trade in trades or []:
            fee, pnl = totals.get(str(trade["orderId"]), (Decimal(0), Decimal(0)))
            totals[str(trade["orderId"])] = (fee + parse.decimal(trade.get("commission")),
                                             pnl + parse.decimal(trade.get("realizedPnl")))
        return totals

    def _order_with_fees(self, item: Mapping[str, Any]) -> Order:
        if parse.decimal(item.get("executedQty")) == 0:
            return _parsed(parse.order_parse, item)
        fee, pnl = self._fees_by_order(platform_symbol(item["symbol"]), order_id=str(item["orderId"])).get(
            str(item["orderId"]), (Decimal(0), Decimal(0)))
        return _parsed(parse.order_parse, item, fee=fee, realized_pnl=pnl)

    def _order_get(self, params: Mapping[str, Any]) -> Order | None:
        try:
            return self._order_with_fees(self.transport.get("/fapi/v1/order", signed=True, params=params))
        except OrderNotFound:
            return None

    def order_by_id(self, *, symbol: str, order_id: str) -> Order | None:
        """``GET /fapi/v1/order`` by orderId; ``None`` when Binance does not know it (-2013)."""
        return self._order_get({"symbol": venue_symbol(symbol), "orderId": order_id})

    def order_by_client_id(self, *, symbol: str, client_id: str) -> Order | None:
        """``GET /fapi/v1/order`` by origClientOrderId; ``None`` when there is none (-2013)."""
        return self._order_get({"symbol": venue_symbol(symbol), "origClientOrderId": client_id})

    def orders_pending(self, *, symbol: str | None = None) -> list[Order]:
        """Resting orders (``GET /fapi/v1/openOrders``); protective orders are not among them."""
        items = self.transport.get("/fapi/v1/openOrders", signed=True,
                                   params={"symbol": venue_symbol(symbol) if symbol else None},
                                   weight=1 if symbol else WEIGHT_OPEN_ORDERS_ALL)
        return [_parsed(parse.order_parse, item) for item in items or []]

    def orders_finished(self, *, symbol: str, limit: int = 20) -> list[Order]:
        """Recent finished orders newest first (``GET /fapi/v1/allOrders``), including the closes
        Binance made itself (triggered protective orders, liquidations), with their fees."""
        items = self.transport.get("/fapi/v1/allOrders", signed=True, weight=WEIGHT_ACCOUNT,
                                   params={"symbol": venue_symbol(symbol), "limit": min(1000, limit * 2)})
        finished = [item for item in items or [] if item.get("status") in FINAL_STATUSES]
        finished.sort(key=lambda item: int(item["orderId"]), reverse=True)
        finished = finished[:limit]
        fees = self._fees_by_order(symbol) if any(parse.decimal(i.get("executedQty")) for i in finished) else {}
        zero = (Decimal(0), Decimal(0))
        return [_parsed(parse.order_parse, item, fee=fees.get(str(item["orderId"]), zero)[0],
                        realized_pnl=fees.get(str(item["orderId"]), zero)[1]) for item in finished]

    def order_cancel(self, *, symbol: str, order_id: str) -> Order:
        """``DELETE /fapi/v1/order``; ``OrderNotFound`` (-2011) when it is unknown or finished."""
        return _parsed(parse.order_parse, self.transport.delete(
            "/fapi/v1/order", params={"symbol": venue_symbol(symbol), "orderId": order_id}))

    def order_cancel_by_client_id(self, *, symbol: str, client_id: str) -> list[Order]:
        """``DELETE /fapi/v1/order`` by origClientOrderId; returns the order cancelled ([] if none)."""
        try:
            item = self.transport.delete("/fapi/v1/order",
                                         params={"symbol": venue_symbol(symbol), "origClientOrderId": client_id})
        except OrderNotFound:
            return []
        return [_parsed(parse.order_parse, item)]

    # --- positions ---------------------------------------------------------------------------------------
    def position_close(self, *, symbol: str, client_id: str, amount: Decimal | None = None,
                       side: PositionSide | None = None) -> Order:
        """Close all (``amount`` None) or part of the position at market; never flips (reduceOnly
        one-way; positionSide in hedge mode). A full close also cancels its protective orders."""
        if problem := client_id_problem(client_id):
            raise OrderRejected(problem)
        position = self.position(symbol=symbol, side=side)
        if position is None:
            raise OrderRejected(f"no open {symbol} position to close", code=-2022)
        market = self.market(symbol=symbol)
        quantity = position.amount if amount is None else market.amount_round(min(amount, position.amount))
        if quantity <= 0:
            raise OrderRejected(f"amount {amount} rounds to 0 for {symbol}")
        self._position_mode_ensure()
        params: dict[str, Any] = {"symbol": venue_symbol(symbol),
                                  "side": "SELL" if position.side == PositionSide.LONG else "BUY", "type": "MARKET",
                                  "quantity": _number(amount_to_venue(symbol, quantity)), "newClientOrderId": client_id,
                                  "newOrderRespType": "RESULT"}
        if self.hedge_mode:
            params["positionSide"] = position.side.upper()
        else:
            params["reduceOnly"] = True
        order = self._order_post_idempotently(params, symbol=symbol, client_id=client_id)
        if quantity == position.amount:
            self.protective.cancel_for(symbol=symbol, side=position.side)
        return order

    def leverage_set(self, *, symbol: str, leverage: int, margin_mode: MarginMode) -> LeverageSetting:
        """``POST /fapi/v1/marginType`` (-4046 "no need to change" is success), then ``/fapi/v1/leverage``."""
        margin_type = "ISOLATED" if margin_mode == MarginMode.ISOLATED else "CROSSED"
        try:
            self.transport.post("/fapi/v1/marginType", params={"symbol": venue_symbol(symbol),
                                                               "marginType": margin_type})
        except OrderRejected as error:
            if error.code != CODE_NO_NEED_TO_CHANGE_MARGIN_TYPE:
                raise
        data = self.transport.post("/fapi/v1/leverage", params={"symbol": venue_symbol(symbol), "leverage": leverage})
        return LeverageSetting(symbol=symbol, leverage=int(data["leverage"]), margin_mode=margin_mode)

    def _protect(self, *, symbol: str, price: Decimal, kind: ProtectiveType, side: PositionSide | None) -> Position:
        position = self.position(symbol=symbol, side=side)
        if position is None:
            raise OrderRejected(f"no open {symbol} position to protect")
        self._position_mode_ensure()
        self.protective.replace(position=position, kind=kind,
                                trigger_price=self.market(symbol=symbol).price_round(price))
        refreshed = self.position(symbol=symbol, side=position.side)
        if refreshed is None:  # closed meanwhile (the trigger was already crossed and fired)
            raise OrderRejected(f"{symbol} position closed while its protective order was being placed")
        return refreshed

    def position_stop_loss_set(self, *, symbol: str, price: Decimal, side: PositionSide | None = None) -> Position:
        """A STOP_MARKET closePosition order at ``price`` (mark price trigger), replacing the previous one."""
        return self._protect(symbol=symbol, price=price, kind=ProtectiveType.STOP_LOSS, side=side)

    def position_take_profit_set(self, *, symbol: str, price: Decimal, side: PositionSide | None = None) -> Position:
        """A TAKE_PROFIT_MARKET closePosition order at ``price`` (mark price trigger), replacing the previous one."""
        return self._protect(symbol=symbol, price=price, kind=ProtectiveType.TAKE_PROFIT, side=side)
