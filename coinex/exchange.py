"""The one interface every exchange implementation speaks (DESIGN.md, STYLE.md rule 3).

Implementations: :class:`coinex.client.CoinExClient` (live, CoinEx API v2 futures),
:class:`coinex.binance.BinanceUsdmClient` (live, Binance USD-M futures) and
:class:`coinex.paper.PaperExchange` (dry-run and backtests). The loopback sandboxes are
servers the live clients talk to, not implementations. :func:`coinex.factory.exchange_for_mode`
picks one from the trader's mode and venue; nothing else branches on them. Each also
answers ``venue_status`` (:mod:`coinex.venue`; see docs/EXCHANGES.md).

Contract common to every method: symbols are exchange symbols (``BTCUSDT``); amounts
are base-asset quantities; money and prices are ``Decimal``. Failures raise only the
exceptions of :mod:`coinex.errors`. Positions are one-way (one net position per
symbol): an order against a position reduces it and, when larger, flips it, so exits go
through :meth:`Exchange.position_close`, which never flips.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

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
    Ticker,
)


@runtime_checkable
class Exchange(Protocol):
    """Futures account access; see the module docstring for the shared contract."""

    def markets(self) -> list[Market]:
        """Trading rules of every market."""
        ...

    def market(self, *, symbol: str) -> Market:
        """Trading rules of ``symbol``; ``OrderRejected`` (unknown market) when absent."""
        ...

    def balance(self) -> Balance:
        """The futures account's USDT balance and equity."""
        ...

    def positions(self) -> list[Position]:
        """Every open position."""
        ...

    def position(self, *, symbol: str) -> Position | None:
        """The open position of ``symbol``; ``None`` when flat."""
        ...

    def order_place(
        self,
        *,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        amount: Decimal,
        client_id: str,
        price: Decimal | None = None,
        post_only: bool = False,
    ) -> Order:
        """Place an order; ``amount``/``price`` are rounded to the market's precision and tick.

        ``post_only`` (limit orders): the venue refuses or expires the order instead of filling
        it as a taker (CoinEx ``maker_only``, Binance ``GTX``, the paper exchange refuses it).

        ``client_id`` makes the call idempotent: when the outcome is unknown (timeout)
        the implementation looks the order up by it before any resend.
        """
        ...

    def order_by_id(self, *, symbol: str, order_id: str) -> Order | None:
        """The order with exchange id ``order_id``; ``None`` when it does not exist."""
        ...

    def order_by_client_id(self, *, symbol: str, client_id: str) -> Order | None:
        """The most recent order placed with ``client_id``; ``None`` when there is none."""
        ...

    def orders_pending(self, *, symbol: str | None = None) -> list[Order]:
        """Resting (unfilled or part-filled) orders, of one symbol or all."""
        ...

    def orders_finished(self, *, symbol: str, limit: int = 20) -> list[Order]:
        """The ``limit`` most recent finished (filled or cancelled) orders of ``symbol``, newest
        first, including the closes the exchange made itself (TP/SL, liquidation)."""
        ...

    def order_cancel(self, *, symbol: str, order_id: str) -> Order:
        """Cancel a resting order; returns its final state."""
        ...

    def order_cancel_by_client_id(self, *, symbol: str, client_id: str) -> list[Order]:
        """Cancel the resting orders with ``client_id``; returns those cancelled."""
        ...

    def position_close(self, *, symbol: str, client_id: str, amount: Decimal | None = None) -> Order:
        """Close all of the position (``amount`` None) or part of it at market; never flips."""
        ...

    def leverage_set(self, *, symbol: str, leverage: int, margin_mode: MarginMode) -> LeverageSetting:
        """Set leverage and margin mode for ``symbol``; ``leverage`` must be one the market allows."""
        ...

    def position_stop_loss_set(self, *, symbol: str, price: Decimal) -> Position:
        """Attach a stop-loss (mark price trigger) closing the whole position."""
        ...

    def position_take_profit_set(self, *, symbol: str, price: Decimal) -> Position:
        """Attach a take-profit (mark price trigger) closing the whole position."""
        ...

    def ticker(self, *, symbol: str) -> Ticker:
        """Last and mark price of ``symbol``."""
        ...

    def funding_rate(self, *, symbol: str) -> FundingRate:
        """Current and next funding rate of ``symbol``."""
        ...

    def server_time(self) -> datetime:
        """The exchange's clock (aware UTC)."""
        ...
