"""The live CoinEx futures exchange: :class:`coinex.exchange.Exchange` over API v2."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from coinex.client import parse
from coinex.client.parse import MAKER_ONLY_TYPE
from coinex.client.ratelimit import RateGroup
from coinex.client.transport import DEFAULT_REQUEST_WINDOW_MS, ApiCredentials, CoinExTransport, RequestTimedOut
from coinex.client.venue_status import coinex_venue_status
from coinex.dto import (
    Balance,
    Candle,
    FundingRate,
    LeverageSetting,
    MarginMode,
    Market,
    Order,
    OrderSide,
    OrderType,
    Position,
    Ticker,
    client_id_problem,
)
from coinex.errors import ExchangeTemporaryError, OrderNotFound, OrderRejected
from coinex.venue import VenueStatus
from config.logging import Category

logger = logging.getLogger(__name__)

MARKET_TYPE = "FUTURES"
MARKETS_CACHE_TTL_S = 3600.0
PAGE_LIMIT = 100
STOP_PRICE_TYPE = "mark_price"
# Added to the request window before an unanswered order is looked up for the last time:
# covers the error of our server-time offset and the venue's processing after its window check.
WINDOW_MARGIN_S = 1.0


def _number(value: Decimal) -> str:
    """A Decimal as CoinEx wants it: plain notation, never exponent (1E-7 -> 0.0000001)."""
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def _parsed[T](convert: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return convert(*args, **kwargs)
    except (KeyError, ValueError, TypeError) as error:
        raise ExchangeTemporaryError(f"unexpected CoinEx answer: {type(error).__name__}: {error}") from None


class CoinExClient:
    """Live CoinEx perpetual futures account (one-way positions, USDT margin)."""

    def __init__(self, *, transport: CoinExTransport, window_margin_s: float = WINDOW_MARGIN_S) -> None:
        self.transport = transport
        self.window_margin_s = window_margin_s
        self._markets: dict[str, Market] = {}
        self._markets_loaded_at: float | None = None
        self._markets_lock = threading.Lock()

    @classmethod
    def create(cls, *, base_url: str, credentials: ApiCredentials | None, timeout_s: float = 10.0,
               request_window_ms: int = DEFAULT_REQUEST_WINDOW_MS) -> CoinExClient:
        """A client for ``base_url`` (``https://api.coinex.com/v2`` or a sandbox)."""
        return cls(transport=CoinExTransport(base_url=base_url, credentials=credentials, timeout_s=timeout_s,
                                             request_window_ms=request_window_ms))

    @property
    def request_window_wait_s(self) -> float:
        """Seconds after sending after which an unanswered request can no longer be accepted.

        CoinEx refuses a request once its timestamp is older than the request window; the
        margin covers the error of our server-time offset.
        """
        return self.transport.request_window_ms / 1000 + self.window_margin_s

    @property
    def order_settle_s(self) -> float:
        """Seconds after an order's first send within which it (or its one resend) may still land.

        Past this, an order that cannot be found by its client id was never placed: the
        original's window, the timeout of the resend and the resend's own window have passed.
        """
        return 2 * self.request_window_wait_s + self.transport.timeout_s

    def close(self) -> None:
        """Release network resources."""
        self.transport.close()

    # --- market data -------------------------------------------------------------------------
    def markets(self) -> list[Market]:
        """Trading rules of every futures market (cached for an hour)."""
        with self._markets_lock:
            fresh = self._markets_loaded_at and time.monotonic() - self._markets_loaded_at < MARKETS_CACHE_TTL_S
            if not fresh:
                data = self.transport.get("/futures/market")
                # A market CoinEx has suspended is not tradeable: it is as if it did not exist.
                tradeable = [item for item in data or [] if item.get("is_market_available", True)]
                self._markets = {m.symbol: m for m in (_parsed(parse.market_parse, item) for item in tradeable)}
                self._markets_loaded_at = time.monotonic()
            return list(self._markets.values())

    def market(self, *, symbol: str) -> Market:
        """Rules of ``symbol``; ``OrderRejected`` (3639) when CoinEx lists no such market."""
        for market in self.markets():
            if market.symbol == symbol:
                return market
        raise OrderRejected(f"market {symbol} does not exist on CoinEx futures", code=3639)

    def ticker(self, *, symbol: str) -> Ticker:
        """Last and mark price (``GET /futures/ticker``)."""
        data = self.transport.get("/futures/ticker", params={"market": symbol})
        if not data:
            raise OrderRejected(f"market {symbol} does not exist on CoinEx futures", code=3639)
        return _parsed(parse.ticker_parse, data[0])

    def funding_rate(self, *, symbol: str) -> FundingRate:
        """Current and next funding rate (``GET /futures/funding-rate``)."""
        data = self.transport.get("/futures/funding-rate", params={"market": symbol})
        if not data:
            raise OrderRejected(f"market {symbol} does not exist on CoinEx futures", code=3639)
        return _parsed(parse.funding_rate_parse, data[0])

    def candles(self, *, symbol: str, period: str = "5min", limit: int = 100) -> list[Candle]:
        """Recent klines, oldest first (``GET /futures/kline``; ``period`` like 1min, 5min, 1hour)."""
        data = self.transport.get("/futures/kline", params={"market": symbol, "period": period, "limit": limit})
        return [_parsed(parse.candle_parse, item) for item in data]

    def server_time(self) -> datetime:
        """The exchange clock (``GET /time``)."""
        return parse.time_from_ms(self.transport.server_time_ms())

    # --- account --------------------------------------------------------------------------------
    def balance(self) -> Balance:
        """USDT futures balance (``GET /assets/futures/balance``)."""
        data = self.transport.get("/assets/futures/balance", signed=True, group=RateGroup.ACCOUNT)
        return _parsed(parse.balance_parse, data or [])

    def positions(self) -> list[Position]:
        """Every open position (``GET /futures/pending-position``, all pages)."""
        items = self._pages("/futures/pending-position", {"market_type": MARKET_TYPE}, group=RateGroup.ACCOUNT)
        return [_parsed(parse.position_parse, item) for item in items]

    def position(self, *, symbol: str) -> Position | None:
        """The open position of ``symbol`` or ``None``."""
        data = self.transport.get("/futures/pending-position", signed=True, group=RateGroup.ACCOUNT,
                                  params={"market": symbol, "market_type": MARKET_TYPE, "page": 1, "limit": 10})
        matching = [item for item in data or [] if item.get("market") == symbol]
        return _parsed(parse.position_parse, matching[0]) if matching else None

    def _pages(self, path: str, params: dict[str, Any], *, group: RateGroup) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.transport.get(path, signed=True, group=group,
                                      params={**params, "page": page, "limit": PAGE_LIMIT})
            items.extend(data or [])
            if not data or len(data) < PAGE_LIMIT:
                return items
            page += 1

    # --- orders ---------------------------------------------------------------------------------
    def order_place(self, *, symbol: str, side: OrderSide, type: OrderType, amount: Decimal, client_id: str,
                    price: Decimal | None = None, post_only: bool = False) -> Order:
        """Place an order (``POST /futures/order``); after a timeout the order is looked up
        by ``client_id`` and resent only when CoinEx has no trace of it. A ``post_only`` limit is
        CoinEx's ``maker_only`` type: refused rather than filled as a taker."""
        if problem := client_id_problem(client_id):
            raise OrderRejected(problem)
        market = self.market(symbol=symbol)
        rounded_amount = market.amount_round(amount)
        if rounded_amount <= 0:
            raise OrderRejected(f"amount {amount} rounds to 0 at {market.amount_precision} decimals for {symbol}")
        body: dict[str, Any] = {
            "market": symbol, "market_type": MARKET_TYPE, "side": str(side), "type": str(type),
            "amount": _number(rounded_amount), "client_id": client_id,
        }
        if type == OrderType.LIMIT:
            if price is None:
                raise OrderRejected("a limit order needs a price")
            body["price"] = _number(market.price_round(price))
            if post_only:
                body["type"] = MAKER_ONLY_TYPE
        return self._post_order_idempotently("/futures/order", body, symbol=symbol, client_id=client_id)

    def _post_order_idempotently(self, path: str, body: dict[str, Any], *, symbol: str, client_id: str) -> Order:
        """POST an order once; after a timeout, resend only when it provably never landed.

        A request that timed out may still be waiting at CoinEx's gateway and be accepted
        later. CoinEx refuses it once its timestamp is older than the request window, so
        the order is looked up by ``client_id`` only after that window (plus a margin) has
        passed since it was sent: found, it is returned; still absent, it can no longer
        land and is sent once more (a fresh timestamp, a new window). Never two orders
        for one client id.
        """
        sent_at = time.monotonic()
        try:
            return _parsed(parse.order_parse, self.transport.post(path, body=body, group=RateGroup.ORDER))
        except RequestTimedOut:
            logger.warning("order %s timed out; waiting out CoinEx's request window before looking it up",
                           client_id, extra={"category": Category.TRADE, "symbol": symbol})
        remaining_s = sent_at + self.request_window_wait_s - time.monotonic()
        if remaining_s > 0:
            time.sleep(remaining_s)
        existing = self.order_by_client_id(symbol=symbol, client_id=client_id)
        if existing is not None:
            logger.info("order %s had reached CoinEx; not resending", client_id,
                        extra={"category": Category.TRADE, "symbol": symbol})
            return existing
        logger.info("order %s never reached CoinEx and its window has passed; sending it again", client_id,
                    extra={"category": Category.TRADE, "symbol": symbol})
        return _parsed(parse.order_parse, self.transport.post(path, body=body, group=RateGroup.ORDER))

    def order_by_id(self, *, symbol: str, order_id: str) -> Order | None:
        """``GET /futures/order-status``; ``None`` when CoinEx does not know the order."""
        try:
            data = self.transport.get("/futures/order-status", signed=True, group=RateGroup.QUERY,
                                      params={"market": symbol, "order_id": order_id})
        except OrderNotFound:
            return None
        return _parsed(parse.order_parse, data)

    def order_by_client_id(self, *, symbol: str, client_id: str) -> Order | None:
        """Newest order with ``client_id``: resting orders first, then finished ones."""
        params = {"market": symbol, "market_type": MARKET_TYPE, "client_id": client_id, "page": 1, "limit": 10}
        for path in ("/futures/pending-order", "/futures/finished-order"):
            data = self.transport.get(path, signed=True, group=RateGroup.QUERY, params=params)
            matching = [item for item in data or [] if item.get("client_id") == client_id]
            if matching:
                return _parsed(parse.order_parse, max(matching, key=lambda item: int(item["order_id"])))
        return None

    def orders_pending(self, *, symbol: str | None = None) -> list[Order]:
        """Resting orders (``GET /futures/pending-order``, all pages)."""
        params: dict[str, Any] = {"market_type": MARKET_TYPE, "market": symbol}
        return [_parsed(parse.order_parse, item)
                for item in self._pages("/futures/pending-order", params, group=RateGroup.QUERY)]

    def orders_finished(self, *, symbol: str, limit: int = 20) -> list[Order]:
        """Recent finished orders, newest first (``GET /futures/finished-order``)."""
        data = self.transport.get("/futures/finished-order", signed=True, group=RateGroup.QUERY,
                                  params={"market": symbol, "market_type": MARKET_TYPE, "page": 1, "limit": limit})
        orders = [_parsed(parse.order_parse, item) for item in data or []]
        return sorted(orders, key=lambda order: int(order.order_id), reverse=True)

    def order_cancel(self, *, symbol: str, order_id: str) -> Order:
        """``POST /futures/cancel-order``; ``OrderNotFound`` when it is unknown or finished."""
        data = self.transport.post("/futures/cancel-order", group=RateGroup.CANCEL,
                                   body={"market": symbol, "market_type": MARKET_TYPE, "order_id": int(order_id)})
        return _parsed(parse.order_parse, data)

    def order_cancel_by_client_id(self, *, symbol: str, client_id: str) -> list[Order]:
        """``POST /futures/cancel-order-by-client-id``; returns the orders cancelled."""
        data = self.transport.post("/futures/cancel-order-by-client-id", group=RateGroup.CANCEL,
                                   body={"market": symbol, "market_type": MARKET_TYPE, "client_id": client_id})
        return [_parsed(parse.order_parse, item["data"]) for item in data or [] if item.get("code") == 0]

    # --- positions --------------------------------------------------------------------------------
    def position_close(self, *, symbol: str, client_id: str, amount: Decimal | None = None) -> Order:
        """``POST /futures/close-position`` at market: all (``amount`` None) or part; never flips."""
        if problem := client_id_problem(client_id):
            raise OrderRejected(problem)
        body: dict[str, Any] = {"market": symbol, "market_type": MARKET_TYPE, "type": str(OrderType.MARKET),
                                "client_id": client_id}
        if amount is not None:
            body["amount"] = _number(self.market(symbol=symbol).amount_round(amount))
        return self._post_order_idempotently("/futures/close-position", body, symbol=symbol, client_id=client_id)

    def leverage_set(self, *, symbol: str, leverage: int, margin_mode: MarginMode) -> LeverageSetting:
        """``POST /futures/adjust-position-leverage``."""
        data = self.transport.post("/futures/adjust-position-leverage", group=RateGroup.ORDER, body={
            "market": symbol, "market_type": MARKET_TYPE, "margin_mode": str(margin_mode), "leverage": leverage,
        })
        return _parsed(parse.leverage_parse, data, symbol=symbol)

    def position_stop_loss_set(self, *, symbol: str, price: Decimal) -> Position:
        """``POST /futures/set-position-stop-loss`` (mark price trigger, whole position)."""
        market = self.market(symbol=symbol)
        data = self.transport.post("/futures/set-position-stop-loss", group=RateGroup.ORDER, body={
            "market": symbol, "market_type": MARKET_TYPE, "stop_loss_type": STOP_PRICE_TYPE,
            "stop_loss_price": _number(market.price_round(price)),
        })
        return _parsed(parse.position_parse, data)

    def position_take_profit_set(self, *, symbol: str, price: Decimal) -> Position:
        """``POST /futures/set-position-take-profit`` (mark price trigger, whole position)."""
        market = self.market(symbol=symbol)
        data = self.transport.post("/futures/set-position-take-profit", group=RateGroup.ORDER, body={
            "market": symbol, "market_type": MARKET_TYPE, "take_profit_type": STOP_PRICE_TYPE,
            "take_profit_price": _number(market.price_round(price)),
        })
        return _parsed(parse.position_parse, data)

    # --- venue status -------------------------------------------------------------------------------------
    def venue_status(self, *, symbols: Iterable[str] = ()) -> VenueStatus:
        """CoinEx's status and that of ``symbols``' markets (see :mod:`coinex.client.venue_status`)."""
        return coinex_venue_status(transport=self.transport, symbols=symbols)
