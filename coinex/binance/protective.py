"""Protective orders on Binance USD-M: real exchange orders that close a position at a trigger.

Choices (docs/EXCHANGES.md "Protective orders"):

- Since 2025-12-09 Binance places conditional orders (STOP_MARKET, TAKE_PROFIT_MARKET, ...)
  only through the Algo Order API: ``POST /fapi/v1/algoOrder`` with ``algoType=CONDITIONAL``
  and ``triggerPrice`` (``/fapi/v1/order`` answers -4120). They are listed by
  ``GET /fapi/v1/openAlgoOrders`` and cancelled by ``DELETE /fapi/v1/algoOrder``.
- ``closePosition=true`` rather than ``reduceOnly`` + quantity: it closes the whole position
  whatever its size when it fires (adds and partial closes need no re-placement), cannot
  open or flip a position, and is accepted in hedge mode, where ``reduceOnly`` is not.
- ``workingType=MARK_PRICE``: the mark price is what liquidation uses and it does not follow
  a one-print wick of the last price in a thin book, so a stop does not fire on a spike the
  position never really suffered; it matches the CoinEx client's ``mark_price`` triggers.
- ``priceProtect`` stays off: with it, a stop does not fire while mark and last price
  diverge, which is exactly when a stop loss is needed.
- Replacing a stop places the new order first and cancels the old one after, so the
  position is never unprotected between the two calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from coinex.binance.symbols import price_to_platform, price_to_venue, venue_symbol
from coinex.binance.transport import BinanceTransport
from coinex.client.parse import decimal
from coinex.client.transport import RequestTimedOut
from coinex.dto import Position, PositionSide
from coinex.errors import ExchangeError, OrderNotFound
from config.logging import Category

logger = logging.getLogger(__name__)

ALGO_TYPE = "CONDITIONAL"
WORKING_TYPE = "MARK_PRICE"
CLIENT_ALGO_ID_MAX = 36


class ProtectiveType(StrEnum):
    STOP_LOSS = "STOP_MARKET"
    TAKE_PROFIT = "TAKE_PROFIT_MARKET"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


class ProtectiveOrders:
    """The protective (algo) orders of one account."""

    def __init__(self, *, transport: BinanceTransport, hedge_mode: bool) -> None:
        self.transport = transport
        self.hedge_mode = hedge_mode

    def open_orders(self, *, symbol: str) -> list[Mapping[str, Any]]:
        """Open closePosition STOP_MARKET / TAKE_PROFIT_MARKET orders of platform ``symbol`` (raw, venue terms)."""
        items = self.transport.get("/fapi/v1/openAlgoOrders", signed=True, params={"symbol": venue_symbol(symbol)})
        kinds = {kind.value for kind in ProtectiveType}
        return [item for item in items or [] if item.get("orderType") in kinds
                and str(item.get("closePosition")).lower() == "true"]

    def position_side_of(self, order: Mapping[str, Any]) -> PositionSide:
        """The position an order protects: its positionSide in hedge mode; one-way, a sell closes a long."""
        if order.get("positionSide") in ("LONG", "SHORT"):
            return PositionSide(str(order["positionSide"]).lower())
        return PositionSide.LONG if order.get("side") == "SELL" else PositionSide.SHORT

    def prices_by_position(self, *, symbols: Iterable[str]) -> dict[tuple[str, PositionSide],
                                                                     tuple[Decimal | None, Decimal | None]]:
        """(take-profit, stop-loss) trigger prices per coin, per (platform symbol, side), from the open
        protective orders."""
        prices: dict[tuple[str, PositionSide], tuple[Decimal | None, Decimal | None]] = {}
        for symbol in sorted(symbols):
            for order in self.open_orders(symbol=symbol):
                key = (symbol, self.position_side_of(order))
                take_profit, stop_loss = prices.get(key, (None, None))
                trigger = price_to_platform(str(order.get("symbol") or venue_symbol(symbol)),
                                            decimal(order.get("triggerPrice")))
                if order["orderType"] == ProtectiveType.TAKE_PROFIT:
                    take_profit = trigger
                else:
                    stop_loss = trigger
                prices[key] = (take_profit, stop_loss)
        return prices

    def replace(self, *, position: Position, kind: ProtectiveType, trigger_price: Decimal) -> Mapping[str, Any]:
        """Place a ``kind`` order closing ``position`` at ``trigger_price``, then cancel the old ones."""
        previous = [order for order in self.open_orders(symbol=position.symbol)
                    if order["orderType"] == kind and self.position_side_of(order) == position.side]
        prefix = "sl" if kind == ProtectiveType.STOP_LOSS else "tp"
        client_algo_id = f"{prefix}-{position.symbol}-{time.time_ns() // 1_000_000}"[:CLIENT_ALGO_ID_MAX]
        params: dict[str, Any] = {
            "algoType": ALGO_TYPE, "symbol": venue_symbol(position.symbol),
            "side": "SELL" if position.side == PositionSide.LONG else "BUY", "type": kind.value,
            "triggerPrice": _number(price_to_venue(position.symbol, trigger_price)), "workingType": WORKING_TYPE,
            "closePosition": True,
            "priceProtect": "FALSE", "clientAlgoId": client_algo_id,
        }
        if self.hedge_mode:
            params["positionSide"] = position.side.upper()
        placed = self._post_idempotently(params, client_algo_id=client_algo_id)
        for order in previous:
            self._cancel(order)
        logger.info("%s %s of %s %s at %s (mark price)", "replaced" if previous else "placed", kind,
                    position.side, position.symbol, trigger_price,
                    extra={"category": Category.TRADE, "symbol": position.symbol})
        return placed

    def _post_idempotently(self, params: Mapping[str, Any], *, client_algo_id: str) -> Mapping[str, Any]:
        try:
            return self.transport.post("/fapi/v1/algoOrder", params=params, weight=0, orders=1)
        except RequestTimedOut:
            logger.warning("protective order %s: outcome unknown; looking it up", client_algo_id,
                           extra={"category": Category.TRADE})
        try:
            return self.transport.get("/fapi/v1/algoOrder", signed=True, params={"clientAlgoId": client_algo_id})
        except OrderNotFound:
            return self.transport.post("/fapi/v1/algoOrder", params=params, weight=0, orders=1)

    def _cancel(self, order: Mapping[str, Any]) -> None:
        try:
            self.transport.delete("/fapi/v1/algoOrder", params={"algoId": order["algoId"]})
        except OrderNotFound:
            pass  # fired or cancelled meanwhile

    def cancel_for(self, *, symbol: str, side: PositionSide) -> int:
        """Cancel the protective orders of (``symbol``, ``side``) after a full close; returns how many.

        Best effort: a failure is logged, not raised (the position is already closed, and a
        closePosition order with no position to close expires when it fires).
        """
        cancelled = 0
        try:
            for order in self.open_orders(symbol=symbol):
                if self.position_side_of(order) == side:
                    self._cancel(order)
                    cancelled += 1
        except ExchangeError as error:
            logger.warning("could not cancel the protective orders of %s %s: %s", side, symbol, error,
                           extra={"category": Category.TRADE, "symbol": symbol})
        return cancelled
