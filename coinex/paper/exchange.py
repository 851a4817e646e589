"""The paper exchange for dry-run and backtests.

Market orders fill at the price from the injected price provider (the market data by
default) moved by the configured slippage, paying the configured taker fee; limit
orders rest until the price crosses them. Every call first feeds the current prices of
the symbols in play to the simulator, so limit fills, TP/SL, trailing stops,
liquidations and (optional) funding happen on the next call after the price moved;
:meth:`PaperExchange.prices_refresh` does only that, for a periodic task.

State lives in one ``PaperAccount`` row, read and written in one transaction per call
(no network call happens inside it: the price provider reads the database).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction

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
    client_id_problem,
)
from coinex.errors import ExchangeError, ExchangeTemporaryError, OrderNotFound, OrderRejected
from coinex.models import PaperAccount
from coinex.simulator.engine import SimulatedAccount
from coinex.simulator.markets import default_markets
from coinex.simulator.state import SimState, state_from_json, state_to_json
from coinex.venue import Venue, VenueState, VenueStatus, venue_parse
from config.row_cache import RowCache

T = TypeVar("T")

_accounts = RowCache(PaperAccount)  # the unlocked snapshot every read starts from (re-read when it changed)
PriceProvider = Callable[[str], Decimal | None]
# Several symbols' prices at once (a symbol without a price is absent): one query per sync.
PricesProvider = Callable[[list[str]], dict[str, Decimal]]
FUNDING_INTERVAL = timedelta(hours=8)


def price_provider_default(symbol: str) -> Decimal | None:
    """The latest market-data price of ``symbol`` (``ta.selectors.price_latest``); ``None``
    when the market-data app or a price is not available yet."""
    try:
        from ta.selectors import price_latest  # lazily: coinex must not need ta to import
    except ImportError:
        return None
    return price_latest(symbol=symbol)


def prices_provider_default(symbols: list[str]) -> dict[str, Decimal]:
    """``price_provider_default`` of several symbols in one query (``ta.selectors.prices_latest``)."""
    try:
        from ta.selectors import prices_latest  # lazily: coinex must not need ta to import
    except ImportError:
        return {}
    return prices_latest(symbols=symbols)


def _utc_now() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True)
class PaperConfig:
    """Paper trading parameters; percentages as percent (0.05 = 0.05 %)."""

    starting_balance: Decimal = Decimal("1000")
    taker_fee_pct: Decimal = Decimal("0.05")
    maker_fee_pct: Decimal = Decimal("0.03")
    slippage_pct: Decimal = Decimal("0.05")
    funding_rate_pct: Decimal = Decimal("0")  # per 8 h settlement; 0 = funding off

    @classmethod
    def from_settings(cls, *, venue: str = Venue.COINEX) -> PaperConfig:
        """The configuration from the ``COINEX_PAPER_*`` settings; on Binance USD-M its fee rates
        are ``BINANCE_PAPER_TAKER_FEE_PCT`` / ``BINANCE_PAPER_MAKER_FEE_PCT``."""
        binance = venue_parse(str(venue)) == Venue.BINANCE
        return cls(
            starting_balance=Decimal(str(settings.COINEX_PAPER_STARTING_BALANCE)),
            taker_fee_pct=Decimal(str(settings.BINANCE_PAPER_TAKER_FEE_PCT if binance
                                      else settings.COINEX_PAPER_TAKER_FEE_PCT)),
            maker_fee_pct=Decimal(str(settings.BINANCE_PAPER_MAKER_FEE_PCT if binance
                                      else settings.COINEX_PAPER_MAKER_FEE_PCT)),
            slippage_pct=Decimal(str(settings.COINEX_PAPER_SLIPPAGE_PCT)),
            funding_rate_pct=Decimal(str(settings.COINEX_PAPER_FUNDING_RATE_PCT)),
        )


class PaperExchange:
    """Simulated futures account ``account_name`` at market prices, with one venue's market rules."""

    def __init__(self, *, price_provider: PriceProvider = price_provider_default, config: PaperConfig | None = None,
                 account_name: str = "default", clock: Callable[[], datetime] = _utc_now,
                 prices_provider: PricesProvider | None = None, markets: Mapping[str, Market] | None = None) -> None:
        """``prices_provider`` reads every price a sync needs at once; without it, ``price_provider``
        is asked once per symbol. ``markets`` are the venue's rules (``coinex.paper.markets``;
        CoinEx's by default); their fee rates are replaced by the configured ones."""
        self.price_provider = price_provider
        self.prices_provider = prices_provider
        self.config = config or PaperConfig()
        self.account_name = account_name
        self.clock = clock
        self._markets = {
            symbol: dataclasses.replace(market, taker_fee_rate=self.config.taker_fee_pct / 100,
                                        maker_fee_rate=self.config.maker_fee_pct / 100)
            for symbol, market in (default_markets() if markets is None else markets).items()
        }

    # --- the one place state is loaded and saved -------------------------------------------------
    def _run(self, operation: Callable[[SimulatedAccount], T], *, symbol: str | None = None,
             read_only: bool = False) -> T:
        """Run ``operation`` on the account at current prices and save what changed.

        ``read_only`` operations first run on an unlocked snapshot: when the prices
        trigger nothing (the state is unchanged), that answer stands, with no row lock and
        no write, so concurrent reads (the API, the pages) do not queue behind each other.
        Otherwise they run again under the lock like any other operation.
        """
        snapshot = _accounts.get(name=self.account_name) if read_only else None
        if snapshot is not None:
            engine = self._engine_at_current_prices(snapshot, symbol=symbol)
            try:
                result = operation(engine)
            except ExchangeError:
                pass  # answered (and raised) under the lock below
            else:
                if state_to_json(engine.state) == snapshot.state:
                    return result
        try:
            PaperAccount.objects.get_or_create(
                name=self.account_name,
                defaults={"starting_balance": self.config.starting_balance,
                          "state": state_to_json(SimState(wallet=self.config.starting_balance))},
            )
        except IntegrityError:
            pass  # another process created it a moment ago
        failure: ExchangeError | None = None
        with transaction.atomic():
            account = PaperAccount.objects.select_for_update().get(name=self.account_name)
            engine = self._engine_at_current_prices(account, symbol=symbol)
            try:
                result = operation(engine)
            except ExchangeError as error:
                # The engine validates before it mutates, so what the prices triggered is kept.
                failure = error
            account.state = state_to_json(engine.state)
            account.save(update_fields=["state", "updated_at"])
        if failure is not None:
            raise failure
        return result

    def _engine_at_current_prices(self, account: PaperAccount, *, symbol: str | None) -> SimulatedAccount:
        state = state_from_json(account.state) if account.state else SimState(wallet=account.starting_balance)
        engine = SimulatedAccount(state=state, markets=self._markets, clock=self.clock,
                                  slippage_rate=self.config.slippage_pct / 100)
        self._prices_feed(engine, extra_symbol=symbol)
        self._funding_settle(engine)
        return engine

    def _prices_feed(self, engine: SimulatedAccount, *, extra_symbol: str | None) -> None:
        symbols = set(engine.state.positions) | {o.symbol for o in engine.orders_pending()}
        if extra_symbol in self._markets:
            symbols.add(extra_symbol)
        if self.prices_provider is not None:
            prices = self.prices_provider(sorted(symbols))
        else:
            prices = {symbol: self.price_provider(symbol) for symbol in symbols}
        for symbol in sorted(symbols):
            price = prices.get(symbol)
            if price is not None and price > 0:
                engine.price_update(symbol=symbol, price=Decimal(price))

    def _funding_settle(self, engine: SimulatedAccount) -> None:
        if not self.config.funding_rate_pct:
            return
        now = self.clock()
        last = engine.state.last_funding_at
        if last is None:
            engine.state.last_funding_at = now
            return
        # Settlements happen at 00:00, 08:00 and 16:00 UTC.
        boundary = last.replace(minute=0, second=0, microsecond=0, hour=last.hour // 8 * 8) + FUNDING_INTERVAL
        while boundary <= now:
            for symbol in list(engine.state.positions):
                engine.funding_apply(symbol=symbol, rate=self.config.funding_rate_pct / 100)
            boundary += FUNDING_INTERVAL
        engine.state.last_funding_at = now

    # --- Exchange protocol --------------------------------------------------------------------------
    def markets(self) -> list[Market]:
        """Rules of every supported market, with the paper fee rates."""
        return list(self._markets.values())

    def market(self, *, symbol: str) -> Market:
        """Rules of ``symbol``; ``OrderRejected`` 3639 when unsupported."""
        try:
            return self._markets[symbol]
        except KeyError:
            raise OrderRejected(f"market {symbol} does not exist", code=3639) from None

    def balance(self) -> Balance:
        """The paper account's balance at current prices."""
        return self._run(lambda engine: engine.balance(), read_only=True)

    def positions(self) -> list[Position]:
        """Open paper positions."""
        return self._run(lambda engine: engine.positions(), read_only=True)

    def positions_and_balance(self) -> tuple[list[Position], Balance]:
        """Open positions and the balance from one read of the account (what a page shows together)."""
        return self._run(lambda engine: (engine.positions(), engine.balance()), read_only=True)

    def position(self, *, symbol: str) -> Position | None:
        """The open paper position of ``symbol`` or ``None``."""
        return self._run(lambda engine: engine.position(symbol), symbol=symbol, read_only=True)

    def order_place(self, *, symbol: str, side: OrderSide, type: OrderType, amount: Decimal, client_id: str,
                    price: Decimal | None = None, post_only: bool = False) -> Order:
        """Place a paper order; the same client id twice returns the first order (idempotent)."""
        if problem := client_id_problem(client_id):
            raise OrderRejected(problem)
        market = self.market(symbol=symbol)
        rounded_amount = market.amount_round(amount)
        if rounded_amount <= 0:
            raise OrderRejected(f"amount {amount} rounds to 0 at {market.amount_precision} decimals for {symbol}")
        rounded_price = market.price_round(price) if price is not None else None

        def place(engine: SimulatedAccount) -> Order:
            existing = engine.orders_by_client_id(symbol=symbol, client_id=client_id)
            if existing:
                return engine.order_dto(existing[0])
            return engine.order_dto(engine.order_place(symbol=symbol, side=side, type=type, amount=rounded_amount,
                                                       price=rounded_price, client_id=client_id,
                                                       post_only=post_only))

        return self._run(place, symbol=symbol)

    def order_by_id(self, *, symbol: str, order_id: str) -> Order | None:
        """The paper order ``order_id`` or ``None``."""
        def find(engine: SimulatedAccount) -> Order | None:
            try:
                return engine.order_dto(engine.order_get(symbol=symbol, order_id=int(order_id)))
            except (OrderNotFound, ValueError):
                return None
        return self._run(find, symbol=symbol)

    def order_by_client_id(self, *, symbol: str, client_id: str) -> Order | None:
        """The newest paper order with ``client_id`` or ``None``."""
        def find(engine: SimulatedAccount) -> Order | None:
            found = engine.orders_by_client_id(symbol=symbol, client_id=client_id)
            return engine.order_dto(found[0]) if found else None
        return self._run(find, symbol=symbol)

    def orders_pending(self, *, symbol: str | None = None) -> list[Order]:
        """Resting paper orders."""
        return self._run(lambda engine: [engine.order_dto(o) for o in engine.orders_pending(symbol=symbol)])

    def orders_finished(self, *, symbol: str, limit: int = 20) -> list[Order]:
        """Recent finished paper orders of ``symbol``, newest first (TP/SL and liquidation closes included)."""
        def finished(engine: SimulatedAccount) -> list[Order]:
            done = [o for o in engine.state.orders.values() if o.symbol == symbol and o.status.is_final]
            return [engine.order_dto(o) for o in sorted(done, key=lambda o: o.order_id, reverse=True)[:limit]]
        return self._run(finished, symbol=symbol)

    def order_cancel(self, *, symbol: str, order_id: str) -> Order:
        """Cancel a resting paper order."""
        try:
            numeric_id = int(order_id)
        except ValueError:
            raise OrderNotFound(f"order {order_id} not found", code=3600) from None
        return self._run(lambda engine: engine.order_dto(engine.order_cancel(symbol=symbol, order_id=numeric_id)))

    def order_cancel_by_client_id(self, *, symbol: str, client_id: str) -> list[Order]:
        """Cancel the resting paper orders with ``client_id``."""
        def cancel(engine: SimulatedAccount) -> list[Order]:
            return [engine.order_dto(engine.order_cancel(symbol=symbol, order_id=o.order_id))
                    for o in engine.orders_by_client_id(symbol=symbol, client_id=client_id) if not o.status.is_final]
        return self._run(cancel)

    def position_close(self, *, symbol: str, client_id: str, amount: Decimal | None = None) -> Order:
        """Close all or part of the paper position at market; never flips."""
        if problem := client_id_problem(client_id):
            raise OrderRejected(problem)
        market = self.market(symbol=symbol)
        rounded = market.amount_round(amount) if amount is not None else None

        def close(engine: SimulatedAccount) -> Order:
            existing = engine.orders_by_client_id(symbol=symbol, client_id=client_id)
            if existing:
                return engine.order_dto(existing[0])
            return engine.order_dto(engine.position_close(symbol=symbol, amount=rounded, client_id=client_id))

        return self._run(close, symbol=symbol)

    def leverage_set(self, *, symbol: str, leverage: int, margin_mode: MarginMode) -> LeverageSetting:
        """Set paper leverage and margin mode."""
        return self._run(lambda engine: engine.leverage_set(symbol=symbol, leverage=leverage,
                                                            margin_mode=margin_mode), symbol=symbol)

    def position_stop_loss_set(self, *, symbol: str, price: Decimal) -> Position:
        """Attach a stop-loss to the paper position."""
        rounded = self.market(symbol=symbol).price_round(price)
        return self._run(lambda engine: engine.position_dto(engine.stop_loss_set(symbol=symbol, price=rounded)),
                         symbol=symbol)

    def position_take_profit_set(self, *, symbol: str, price: Decimal) -> Position:
        """Attach a take-profit to the paper position."""
        rounded = self.market(symbol=symbol).price_round(price)
        return self._run(lambda engine: engine.position_dto(engine.take_profit_set(symbol=symbol, price=rounded)),
                         symbol=symbol)

    def ticker(self, *, symbol: str) -> Ticker:
        """The provider's price as last and mark price."""
        self.market(symbol=symbol)
        price = self.price_provider(symbol)
        if price is None:
            raise ExchangeTemporaryError(f"no market price for {symbol} yet")
        return Ticker(symbol=symbol, last_price=price, mark_price=price, index_price=price, high=None, low=None,
                      volume=None)

    def funding_rate(self, *, symbol: str) -> FundingRate:
        """The configured paper funding rate (0 when funding is off)."""
        ticker = self.ticker(symbol=symbol)
        now = self.clock()
        next_at = now.replace(minute=0, second=0, microsecond=0, hour=now.hour // 8 * 8) + FUNDING_INTERVAL
        rate = self.config.funding_rate_pct / 100
        return FundingRate(symbol=symbol, mark_price=ticker.mark_price, latest_rate=rate, next_rate=rate,
                           next_funding_at=next_at)

    def server_time(self) -> datetime:
        """The local clock (the paper exchange is its own server)."""
        return self.clock()

    def venue_status(self, *, symbols: Iterable[str] = ()) -> VenueStatus:
        """Always open: the paper exchange is its own venue (the real venue's gate applies to live)."""
        return VenueStatus(venue="paper", state=VenueState.OPEN, reason="paper exchange",
                           markets={symbol: VenueState.OPEN for symbol in symbols})

    # --- paper-only ------------------------------------------------------------------------------------
    def position_trailing_stop_set(self, *, symbol: str, callback_pct: Decimal) -> Position:
        """Trail a stop ``callback_pct`` % behind the best price since now (paper only: CoinEx
        v2 has no trailing position stop; live trading moves the stop-loss instead)."""
        return self._run(lambda engine: engine.position_dto(
            engine.trailing_stop_set(symbol=symbol, callback_pct=callback_pct)), symbol=symbol)

    def prices_refresh(self) -> list[Order]:
        """Feed current prices only; returns the orders they filled (limits, TP/SL, liquidations)."""
        return self._run(lambda engine: [engine.order_dto(order) for order in engine.triggered])
