"""The exchange stream process: live candles and mark prices, and the trader woken by a fired stop.

``manage.py run_streams`` runs a :class:`StreamProcess` for the configured venue. On Binance
USD-M it subscribes (``coinex.binance.streams``) to the mark price and 5m klines of the
enabled coins and, in live mode, to the account's user-data stream:

- a kline is stored through the REST fetcher's own upsert (``ta.services.candles.candles_upsert``,
  prices rescaled as the fetcher does) and announced on the bus (``candles_announce``), so the
  dashboard's prices and the analysis read it like any fetched candle. A forming candle is
  written at most every ``STREAMS_CANDLE_WRITE_S``; a closed one always;
- a mark price is cached on the bus (``cache:mark:{symbol}``) and the pages showing prices get
  the changed ones pushed, at most every ``STREAMS_PRICE_PUSH_S`` (one rendering per push);
- after every reconnect the gap is repaired from REST: ``market_fetch`` of the 5m timeframe
  for the subscribed symbols (the REST fetch stays the backfill and the repair);
- an ``ORDER_TRADE_UPDATE`` of a filled protective order (STOP_MARKET, TAKE_PROFIT_MARKET...)
  wakes the trader: the cycle task is queued at once instead of at the next beat (and so does a
  reconnect of the user-data stream, since a fill may have been missed meanwhile).

Events arrive on the stream threads and are handled on the caller's thread
(:meth:`StreamProcess.step`), so every database write happens on one thread.

On CoinEx (``coinex.client.streams``) it subscribes to the mark prices of the enabled coins
and, in live mode, to the signed account stream: a position CoinEx reports closed (its TP/SL
fired, a liquidation, or a close by the trader itself) wakes the trader. CoinEx's v2
WebSocket has no kline channel, so candles stay on REST there (and no source check applies).
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from coinex.binance.streams import (
    AccountEvent,
    BinanceStream,
    KlineEvent,
    MarkPriceEvent,
    OrderEvent,
    StreamEvent,
    listen_key_create,
    listen_key_keepalive,
    stream_names,
)
from coinex.binance.symbols import platform_symbol, venue_multiplier
from coinex.client.streams import CoinExStream
from coinex.client.transport import ApiCredentials
from coinex.dto import OrderStatus
from coinex.errors import ExchangeError
from coinex.streams import PositionEvent, ReconnectingStream
from config.bus.client import bus_set_json
from config.bus.push import push_event
from config.bus.schema import MARK_PRICE_TTL_S, Event, Group, key_mark_price
from config.logging import Category
from ta.models import Symbol
from ta.services.candles import candles_upsert
from ta.services.fetch import market_fetch
from ta.services.market_bus import candles_announce
from ta.sources.base import Bar, CandleSource

logger = logging.getLogger(__name__)

STREAM_TIMEFRAME = "5m"
# Order types whose fill means the exchange closed a position on its own (a protective order fired).
PROTECTIVE_ORDER_TYPES = frozenset({"STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT",
                                    "TRAILING_STOP_MARKET"})
LISTEN_KEY_KEEPALIVE_S = 30 * 60


class _Reconnected:
    """Queued by a stream after a reconnect: what was missed since the drop must be caught up."""

    def __init__(self, *, user_data: bool) -> None:
        self.user_data = user_data


RECONNECTED = _Reconnected(user_data=False)  # market streams: repair the candle gap from REST
USER_DATA_RECONNECTED = _Reconnected(user_data=True)  # a fill may have been missed: wake the trader


def trader_wake() -> None:
    """Queue the trader cycle now (never raises: the beat runs it anyway within its interval)."""
    from trader.tasks import run_cycle

    try:
        run_cycle.apply_async(retry=False)
    except Exception as error:  # noqa: BLE001 - broker down: the scheduled cycle still comes
        logger.warning("trader not woken (queue unavailable: %s)", error, extra={"category": Category.TRADE})


class StreamProcess:
    """Binance USD-M streams of ``symbols`` (Symbol rows' exchange symbols) feeding the platform."""

    def __init__(self, *, symbols: Sequence[str], ws_base_url: str, user_data_transport: Any = None,
                 source: CandleSource | None = None, wake: Callable[[], None] = trader_wake,
                 clock: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
                 candle_write_s: float | None = None, price_push_s: float | None = None,
                 push: Callable[..., bool] = push_event, venue: str = "binance",
                 credentials: ApiCredentials | None = None, **stream_options: Any) -> None:
        self.venue = venue
        self.credentials = credentials  # CoinEx live mode: the account stream signs with them
        rows = Symbol.objects.filter(symbol__in=symbols)
        # Stream symbol -> (row id, symbol, divisor). The adapter's events are per coin already
        # (1000PEPEUSDT arrives as PEPEUSDT, coinex.binance.symbols), so a data symbol set to the
        # contract in the admin keys by its coin and keeps only what the contract does not explain.
        self._symbols = {platform_symbol(row.data_symbol.upper()): (
            row.pk, row.symbol, row.source_price_divisor / venue_multiplier(row.data_symbol.upper())) for row in rows}
        if venue == "coinex":  # CoinEx streams only mark prices, of its own markets, per coin
            self._symbols = {row.market.upper(): (row.pk, row.symbol, Decimal(1)) for row in rows}
        self.ws_base_url = ws_base_url
        self.user_data_transport = user_data_transport  # live mode: the venue client's signed transport
        self.source = source  # None: the configured market-data source (REST repair)
        self.wake = wake
        self.clock = clock
        self.candle_write_s = settings.STREAMS_CANDLE_WRITE_S if candle_write_s is None else candle_write_s
        self.price_push_s = settings.STREAMS_PRICE_PUSH_S if price_push_s is None else price_push_s
        self.push = push  # config.bus.push.push_event: the live pages' one funnel
        self._pushed_at = float("-inf")
        self._marks_unpushed: set[str] = set()
        self.price_pushes = 0
        self.stream_options = {"silence_s": settings.STREAMS_SILENCE_S,
                               "backoff_max_s": settings.STREAMS_BACKOFF_MAX_S, **stream_options}
        self.events: queue.Queue[StreamEvent | _Reconnected] = queue.Queue()
        self._streams: list[ReconnectingStream] = []
        self._user_stream: ReconnectingStream | None = None
        self._written_at: dict[tuple[str, datetime], float] = {}
        self._keepalive_at = 0.0
        self.repairs = 0
        self.wakes = 0

    @property
    def symbols(self) -> list[str]:
        return sorted(symbol for _pk, symbol, _divisor in self._symbols.values())

    def start(self) -> StreamProcess:
        """Subscribe (market streams; the user-data stream when a transport or credentials were given)."""
        if self.venue == "coinex":
            return self._coinex_start()
        if self._symbols:
            self._streams.append(BinanceStream.combined(
                base_url=self.ws_base_url, streams=stream_names(self._symbols), on_event=self.events.put,
                on_reconnect=lambda: self.events.put(RECONNECTED), **self.stream_options).start())
        if self.user_data_transport is not None:
            self._user_data_start()
        logger.info("streams started for %d symbol(s)%s", len(self._symbols),
                    " and the user-data stream" if self.user_data_transport is not None else "",
                    extra={"category": Category.API})
        return self

    def _coinex_start(self) -> StreamProcess:
        if self._symbols:  # nothing to repair on a reconnect: no candles come from CoinEx's stream
            self._streams.append(CoinExStream.market(base_url=self.ws_base_url, markets=self._symbols,
                                                     on_event=self.events.put, **self.stream_options).start())
        if self.credentials is not None:  # a position closed while it was down: the woken cycle reconciles
            self._user_stream = CoinExStream.user_data(
                base_url=self.ws_base_url, credentials=self.credentials, on_event=self.events.put,
                on_reconnect=lambda: self.events.put(USER_DATA_RECONNECTED), **self.stream_options).start()
        logger.info("CoinEx streams started for %d market(s)%s", len(self._symbols),
                    " and the account stream" if self.credentials is not None else "",
                    extra={"category": Category.API})
        return self

    def _user_data_start(self) -> None:
        try:
            key = listen_key_create(self.user_data_transport)
        except ExchangeError as error:
            logger.error("no user-data stream (a fired stop wakes the trader only at its next cycle): %s", error,
                         extra={"category": Category.API})
            return
        self._keepalive_at = time.monotonic()
        # After a reconnect a fill may have been missed: the woken cycle reconciles with the exchange.
        # Quiet between fills and with no ping of its own: no silence alarm (which would reconnect and
        # wake the trader every STREAMS_SILENCE_S); the WebSocket protocol's pings detect a dead one.
        self._user_stream = BinanceStream.user_data(
            base_url=self.ws_base_url, listen_key=key, on_event=self.events.put,
            on_reconnect=lambda: self.events.put(USER_DATA_RECONNECTED),
            **{**self.stream_options, "silence_s": None}).start()

    def stop(self) -> None:
        for stream in [*self._streams, *([self._user_stream] if self._user_stream else [])]:
            stream.stop()
        self._streams.clear()
        self._user_stream = None

    def step(self, *, timeout_s: float) -> bool:
        """Handle one queued event (waiting at most ``timeout_s``); False when none came."""
        self._keepalive()
        try:
            event = self.events.get(timeout=timeout_s)
        except queue.Empty:
            return False
        try:
            self._handle(event)
        except ExchangeError as error:
            logger.warning("stream event not handled: %s", error, extra={"category": Category.API})
        return True

    def _handle(self, event: StreamEvent | _Reconnected) -> None:
        if isinstance(event, _Reconnected) and event.user_data:
            logger.warning("user-data stream reconnected; waking the trader to reconcile",
                           extra={"category": Category.API})
            self.wakes += 1
            self.wake()
        elif isinstance(event, _Reconnected):
            self.gap_repair()
        elif isinstance(event, KlineEvent) and event.interval == STREAM_TIMEFRAME:
            self._candle_store(event)
        elif isinstance(event, MarkPriceEvent):
            self._mark_price_store(event)
        elif isinstance(event, OrderEvent):
            self._order_update(event)
        elif isinstance(event, PositionEvent) and event.closed:
            logger.warning("%s position closed on the exchange (%s); waking the trader", event.symbol, event.event,
                           extra={"category": Category.TRADE})
            self.wakes += 1
            self.wake()
        elif isinstance(event, AccountEvent) and event.expired and self.user_data_transport is not None:
            logger.warning("listenKey expired; subscribing with a new one", extra={"category": Category.API})
            if self._user_stream is not None:
                self._user_stream.stop()
            self._user_data_start()

    def _mark_price_store(self, event: MarkPriceEvent) -> None:
        """Cache the mark price; push the changed prices to the pages at most every ``price_push_s``
        (each push renders the scanner and trader pages once, dashboard.live)."""
        known = self._symbols.get(event.symbol.upper())
        symbol, divisor = (known[1], known[2]) if known else (event.symbol, 1)
        bus_set_json(key=key_mark_price(symbol), ttl_s=MARK_PRICE_TTL_S, payload={
            "symbol": symbol, "mark_price": event.mark_price / divisor, "event_time": event.event_time})
        self._marks_unpushed.add(symbol)
        now = time.monotonic()
        if self.price_push_s and now - self._pushed_at >= self.price_push_s:
            self._pushed_at = now
            changed, self._marks_unpushed = sorted(self._marks_unpushed), set()
            self.push(group=Group.DASHBOARD, event=Event.MARK_PRICES, payload={"symbols": changed})
            self.price_pushes += 1

    def _candle_store(self, event: KlineEvent) -> None:
        known = self._symbols.get(event.candle.symbol.upper())
        if known is None:
            return
        symbol_id, symbol, divisor = known
        candle = event.candle
        now = time.monotonic()
        written = self._written_at.get((symbol, candle.opened_at))
        if not event.closed and written is not None and now - written < self.candle_write_s:
            return  # a forming candle: a few writes a minute are enough
        self._written_at = {k: v for k, v in self._written_at.items() if k[1] >= candle.opened_at}
        self._written_at[(symbol, candle.opened_at)] = now
        bar = Bar(candle.opened_at, candle.open / divisor, candle.high / divisor, candle.low / divisor,
                  candle.close / divisor, candle.volume * divisor, event.closed)
        if candles_upsert(symbol_id=symbol_id, timeframe=STREAM_TIMEFRAME, bars=[bar]):
            candles_announce(symbol=symbol, timeframe=STREAM_TIMEFRAME)

    def gap_repair(self) -> None:
        """Fetch the 5m candles missed while disconnected from REST (the fetcher plans the range)."""
        self.repairs += 1
        report = market_fetch(timeframes=[STREAM_TIMEFRAME], symbols=self.symbols, source=self.source,
                              wall_now=self.clock())
        logger.info("stream gap repaired from %s: %s", report.source, report.as_dict(),
                    extra={"category": Category.API})

    def _order_update(self, event: OrderEvent) -> None:
        if event.status == OrderStatus.FILLED and event.original_type in PROTECTIVE_ORDER_TYPES:
            logger.warning("%s %s filled on the exchange; waking the trader", event.original_type, event.symbol,
                           extra={"category": Category.TRADE})
            self.wakes += 1
            self.wake()

    def _keepalive(self) -> None:
        if self.user_data_transport is None or time.monotonic() - self._keepalive_at < LISTEN_KEY_KEEPALIVE_S:
            return
        self._keepalive_at = time.monotonic()
        try:
            listen_key_keepalive(self.user_data_transport)
        except ExchangeError as error:
            logger.warning("listenKey keep-alive failed: %s", error, extra={"category": Category.API})


def _plan() -> tuple[str, bool, tuple[str, ...]]:
    """What the process should stream now: the configured venue, live or not, the enabled coins."""
    from coinex.venue import venue_parse
    from ta.selectors import symbols_enabled
    from trader.models import TraderMode
    from trader.services.config import config_get
    from trader.services.status import status_get

    venue = venue_parse(config_get().venue)
    return venue.value, status_get().mode == TraderMode.LIVE, tuple(symbols_enabled())


def _user_data_transport() -> Any:
    """The live Binance client's signed transport (the listenKey needs the API key); None if unusable."""
    from coinex.factory import exchange_for_mode

    try:
        return exchange_for_mode(mode="live", venue="binance").transport
    except ExchangeError as error:
        logger.error("no user-data stream (fired stops wake the trader only at its next cycle): %s", error,
                     extra={"category": Category.API})
        return None


def _coinex_credentials() -> ApiCredentials | None:
    """CoinEx's live credentials for the account stream; None (logged) when there are none."""
    from coinex.credentials import CredentialsError, credentials_resolve

    try:
        resolved = credentials_resolve(venue="coinex")
    except CredentialsError as error:
        resolved, reason = None, str(error)
    else:
        reason = "no CoinEx API credentials"
    if resolved is None:
        logger.error("no CoinEx account stream (a fired TP/SL wakes the trader only at its next cycle): %s", reason,
                     extra={"category": Category.API})
        return None
    return resolved.credentials


def streams_refusal(*, venue: str = "binance") -> str | None:
    """Why the stream process must not run on ``venue`` (``None`` when it may): it is off, or, on
    Binance, the configured REST source is not the one the stream's candles come from (mixing a
    simulated or spot series with USD-M futures candles would corrupt every indicator). CoinEx's
    stream writes no candles, so no source check applies there."""
    if not settings.STREAMS_ENABLED:
        return "streams are off (STREAMS_ENABLED=false)"
    if venue == "binance" and not streams_source_is_usdm():
        return ("streams need the USD-M futures klines as the market-data source (MARKET_DATA_SOURCE=binance_usdm, "
                f"or binance with BINANCE_BASE_URL=https://fapi.binance.com), not {settings.MARKET_DATA_SOURCE} "
                f"at {settings.BINANCE_BASE_URL}")
    return None


def streams_source_is_usdm() -> bool:
    """Whether the configured market-data source reads Binance USD-M futures klines: the
    ``binance_usdm`` source (always ``/fapi/v1/klines``), or ``binance`` pointed at a futures host."""
    from ta.sources.binance import FUTURES_KLINES_PATH, klines_endpoint

    if settings.MARKET_DATA_SOURCE == "binance_usdm":
        return True
    return settings.MARKET_DATA_SOURCE == "binance" and \
        klines_endpoint(settings.BINANCE_BASE_URL)[0].endswith(FUTURES_KLINES_PATH)


def streams_serve(*, should_stop: Callable[[], bool], recheck_s: float = 30.0) -> None:
    """Run the streams of the configured venue until ``should_stop()``; every ``recheck_s`` the
    venue, mode and enabled coins are read again and the subscriptions follow them."""
    from django.db import close_old_connections, connection

    process: StreamProcess | None = None
    running_plan: tuple[str, bool, tuple[str, ...]] | None = None
    try:
        while not should_stop():
            if not connection.in_atomic_block:  # (a test's transaction) a long-running process: never hold
                close_old_connections()  # a connection the database server dropped
            plan = _plan() if settings.STREAMS_ENABLED else ("off", False, ())
            refusal = streams_refusal(venue=plan[0])
            plan = ("off", False, ()) if refusal else plan
            if plan != running_plan:
                if process is not None:
                    process.stop()
                    process = None
                venue, live, symbols = running_plan = plan
                if refusal:
                    logger.warning("no streams: %s", refusal, extra={"category": Category.API})
                elif venue == "binance":
                    process = StreamProcess(symbols=symbols, ws_base_url=settings.BINANCE_FUTURES_WS_URL,
                                            user_data_transport=_user_data_transport() if live else None).start()
                else:
                    process = StreamProcess(symbols=symbols, ws_base_url=settings.COINEX_FUTURES_WS_URL, venue=venue,
                                            credentials=_coinex_credentials() if live else None).start()
            deadline = time.monotonic() + recheck_s
            while not should_stop() and time.monotonic() < deadline:
                if process is not None:
                    process.step(timeout_s=0.5)
                else:
                    time.sleep(0.5)
    finally:
        if process is not None:
            process.stop()
