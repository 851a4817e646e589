"""Binance REST klines: the only code in the platform that talks to Binance.

Spot (``/api/v3/klines``, 1000 candles a request) on api.binance.us (default) or
api.binance.com, and USD-M futures (``/fapi/v1/klines``, 1500 a request). Binance's
rules (https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits):
every answer carries ``X-MBX-USED-WEIGHT-1M``; we pause before the budget runs out.
429 means back off for ``Retry-After`` seconds; ignoring it earns a 418, an IP ban,
which stops fetching. 451 is a regional block of the host: reported, never retried.
Errors leave this module only as ``ta.sources.base`` exceptions.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import httpx

from coinex.binance.symbols import venue_multiplier, venue_symbol
from config.logging import Category
from ta.sources.base import (
    Bar,
    SourceBannedError,
    SourceConfigError,
    SourceDataError,
    SourceRateLimitedError,
    SourceRegionBlockedError,
    SourceTemporaryError,
    bar_rescaled,
    from_millis,
    to_millis,
)
from ta.timeframes import timeframe_duration

logger = logging.getLogger(__name__)

SPOT_KLINES_PATH = "/api/v3/klines"
FUTURES_KLINES_PATH = "/fapi/v1/klines"
SPOT_PAGE_LIMIT = 1000
FUTURES_PAGE_LIMIT = 1500
WEIGHT_HEADER = "x-mbx-used-weight-1m"
WEIGHT_THROTTLE_FRACTION = 0.8  # pause once 80 % of the minute's weight budget is used
MAX_ATTEMPTS = 4
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
RETRY_AFTER_MAX_WAIT_S = 30.0  # a 429 asking for longer fails the fetch; the next one retries
DEFAULT_BAN_S = 120.0
_VALUE_NAMES = ("open", "high", "low", "close", "volume")
_BANNED_UNTIL = re.compile(r"banned until (\d{10,})")


def klines_endpoint(base_url: str, *, futures: bool | None = None) -> tuple[str, int]:
    """The klines URL and page limit for a configured base URL.

    ``futures=None`` guesses from the URL: ``https://api.binance.us`` -> spot;
    ``https://fapi.binance.com`` -> USD-M futures. ``futures=True`` always means USD-M
    futures (a testnet host such as testnet.binancefuture.com has no ``fapi.`` to go by).
    A URL already ending in ``/klines`` is used as given.
    """
    base = base_url.rstrip("/")
    parts = urlsplit(base)
    if not parts.scheme or not parts.netloc:
        raise SourceConfigError(f"Binance base URL {base_url!r} is not an http(s) URL")
    if futures is None:
        futures = parts.netloc.startswith("fapi.") or "/fapi/" in f"{parts.path}/"
    if parts.path.endswith("/klines"):
        url = base
    else:
        url = base + (FUTURES_KLINES_PATH if futures else SPOT_KLINES_PATH)
    return url, FUTURES_PAGE_LIMIT if futures else SPOT_PAGE_LIMIT


class BinanceSource:
    """Candles from Binance klines (see the module docstring for the rules it follows)."""

    name = "binance"
    futures: bool | None = None  # None: spot or USD-M futures as the base URL says (klines_endpoint)
    url_setting = "BINANCE_BASE_URL"  # the setting naming the host (in messages to the operator)
    rate_limit_max_wait_s = RETRY_AFTER_MAX_WAIT_S  # a 429 asking for longer stops the fetch

    def __init__(
        self,
        *,
        base_url: str,
        timeout_s: float = 10.0,
        weight_limit_1m: int = 1200,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.klines_url, self.page_limit = klines_endpoint(base_url, futures=self.futures)
        # USD-M futures list some coins only as multiplied contracts (PEPEUSDT as 1000PEPEUSDT).
        self.multiplied_contracts = self.klines_url.endswith(FUTURES_KLINES_PATH)
        self.weight_limit_1m = weight_limit_1m
        self._sleep = sleep
        self._clock = clock
        self._client = httpx.Client(timeout=timeout_s, transport=transport, headers={"Accept": "application/json"})
        self.used_weight = 0
        self._used_weight_minute: datetime | None = None

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()

    # --- the CandleSource interface ----------------------------------------------------
    def market_now(self, *, wall_now: datetime) -> datetime:
        """Live sources: the market's present is the wall clock."""
        return wall_now

    def bars_fetch(self, *, symbol: str, timeframe: str, start: datetime, end: datetime, now: datetime) -> list[Bar]:
        """One page of klines with ``start <= open_time <= end`` (see ``CandleSource``).

        On USD-M futures a coin Binance lists only as a multiplied contract (PEPEUSDT as
        1000PEPEUSDT) is fetched as that contract and its bars turned back into per-coin prices
        and coin volumes (``coinex.binance.symbols``); a symbol already in contract form (a
        ``source_symbol`` set in the admin, with its divisor) is fetched as it is.
        """
        contract = venue_symbol(symbol) if self.multiplied_contracts else symbol
        multiplier = venue_multiplier(contract) if contract != symbol else Decimal(1)
        params = {
            "symbol": contract,
            "interval": timeframe,
            "startTime": to_millis(start),
            "endTime": to_millis(end),
            "limit": self.page_limit,
        }
        payload = self._get_json(params)
        bars = parse_klines(payload, timeframe=timeframe, start=start, end=end, now=now)
        if multiplier == 1:
            return bars
        return [bar_rescaled(bar, multiplier) for bar in bars]

    # --- HTTP with Binance's rules --------------------------------------------------------
    def _get_json(self, params: dict[str, object], url: str | None = None) -> object:
        """GET ``url`` (default: the klines endpoint) under Binance's rules; the JSON answer."""
        attempt = 0
        while True:
            attempt += 1
            self._throttle()
            try:
                response = self._client.get(url or self.klines_url, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                self._backoff_or_raise(attempt, f"{type(error).__name__}: {error}")
                continue
            self._record_weight(response)
            status = response.status_code
            if status == 200:
                try:
                    return response.json()
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    raise SourceDataError(f"Binance answered malformed JSON: {error}") from None
            message = _binance_message(response)
            if status == 429:
                retry_after_s = _retry_after_s(response, default=60.0)
                if retry_after_s > self.rate_limit_max_wait_s or attempt >= MAX_ATTEMPTS:
                    raise SourceRateLimitedError(f"Binance rate limit (429): {message}", retry_after_s=retry_after_s)
                logger.warning(
                    "Binance rate limit (429); waiting %.0f s as Retry-After asks", retry_after_s,
                    extra={"category": Category.SCAN},
                )
                self._sleep(retry_after_s)
                continue
            if status == 418:
                until = self._ban_until(response, message)
                raise SourceBannedError(f"Binance banned this IP (418): {message}", until=until)
            if status == 451:
                raise SourceRegionBlockedError(
                    f"Binance refuses this region at {self.base_url} (451): {message}", base_url=self.base_url
                )
            if status >= 500:
                self._backoff_or_raise(attempt, f"HTTP {status}: {message}")
                continue
            raise SourceConfigError(f"Binance rejected the request (HTTP {status}): {message}")

    def _backoff_or_raise(self, attempt: int, what: str) -> None:
        if attempt >= MAX_ATTEMPTS:
            raise SourceTemporaryError(f"Binance unreachable after {attempt} attempts: {what}")
        delay_s = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
        logger.info("Binance request failed (%s); retry %d in %.1f s", what, attempt, delay_s,
                    extra={"category": Category.SCAN})
        self._sleep(delay_s)

    def _record_weight(self, response: httpx.Response) -> None:
        raw = response.headers.get(WEIGHT_HEADER)
        if raw is None:
            return
        try:
            self.used_weight = int(raw)
        except ValueError:
            return
        self._used_weight_minute = _minute_of(self._clock())

    def _throttle(self) -> None:
        """Wait for the next minute when the minute's used weight nears the budget."""
        if self._used_weight_minute is None or self.used_weight < WEIGHT_THROTTLE_FRACTION * self.weight_limit_1m:
            return
        now = self._clock()
        if _minute_of(now) != self._used_weight_minute:
            return  # Binance's weight window is the calendar minute: a new minute starts at zero
        wait_s = (self._used_weight_minute + timedelta(minutes=1) - now).total_seconds() + 0.5
        logger.warning(
            "Binance used weight %d of %d this minute; pausing %.1f s", self.used_weight, self.weight_limit_1m, wait_s,
            extra={"category": Category.SCAN},
        )
        self._sleep(wait_s)
        self.used_weight = 0
        self._used_weight_minute = None

    def _ban_until(self, response: httpx.Response, message: str) -> datetime:
        match = _BANNED_UNTIL.search(message)
        if match:
            return from_millis(int(match.group(1)))
        return self._clock() + timedelta(seconds=_retry_after_s(response, default=DEFAULT_BAN_S))


class BinanceUsdmSource(BinanceSource):
    """Binance USD-M futures klines (``/fapi/v1/klines``): the candles of the contracts traded on
    the Binance venue, whatever the host (fapi.binance.com or the testnet). Same kline format,
    paging, weight and ban rules as the spot source; only the endpoint and page cap differ."""

    name = "binance_usdm"
    futures = True
    url_setting = "BINANCE_FUTURES_BASE_URL"


def _minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _retry_after_s(response: httpx.Response, *, default: float) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", default)))
    except ValueError:
        return default


def _binance_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and "msg" in body:
        return f"{body['msg']} (code {body.get('code')})"
    return str(body)[:200]


def _decimal(value: object, *, what: str) -> Decimal:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise SourceDataError(f"{what} is {value!r}, not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SourceDataError(f"{what} is {value!r}, not a number") from None
    if not number.is_finite():
        raise SourceDataError(f"{what} is {value!r}, not a finite number")
    return number


def parse_klines(payload: object, *, timeframe: str, start: datetime, end: datetime, now: datetime) -> list[Bar]:
    """Validate a klines answer and turn it into bars; ``SourceDataError`` on any bad row.

    A row is ``[open_time_ms, "open", "high", "low", "close", "volume", close_time_ms,
    "quote_volume", trades, "taker_buy_base_volume", "taker_buy_quote_volume", "ignore"]``; the
    quote and taker-buy quote volumes (fields 7 and 10, USDT) are kept when present. Checked:
    numbers, open time aligned to the timeframe, inside [start, end], strictly
    increasing, high >= max(open, close), low <= min(open, close), volume >= 0. One bad
    row rejects the whole response, so nothing from it is stored.
    """
    if not isinstance(payload, list):
        raise SourceDataError(f"Binance klines answer is not a list: {str(payload)[:200]}")
    step = timeframe_duration(timeframe)
    step_ms = step // timedelta(milliseconds=1)
    start_ms, end_ms = to_millis(start), to_millis(end)
    bars: list[Bar] = []
    previous_ms: int | None = None
    for index, row in enumerate(payload):
        where = f"kline row {index}"
        if not isinstance(row, list) or len(row) < 6:
            raise SourceDataError(f"{where} is not a kline array: {str(row)[:120]}")
        open_ms = row[0]
        if not isinstance(open_ms, int) or isinstance(open_ms, bool):
            raise SourceDataError(f"{where}: open time {open_ms!r} is not an integer")
        if open_ms % step_ms:
            raise SourceDataError(f"{where}: open time {open_ms} is not aligned to {timeframe}")
        if not start_ms <= open_ms <= end_ms:
            raise SourceDataError(f"{where}: open time {open_ms} outside the requested range")
        if previous_ms is not None and open_ms <= previous_ms:
            raise SourceDataError(f"{where}: open time {open_ms} not after the previous row's")
        previous_ms = open_ms
        open_, high, low, close, volume = (
            _decimal(row[i], what=f"{where} {name}") for i, name in enumerate(_VALUE_NAMES, start=1)
        )
        problem = ohlcv_problem(open_, high, low, close, volume)
        if problem:
            raise SourceDataError(f"{where}: {problem}")
        quote_volume, taker_buy_quote = _taker_fields(row, where)
        open_time = from_millis(open_ms)
        bars.append(Bar(open_time, open_, high, low, close, volume, is_closed=open_time + step <= now,
                        quote_volume=quote_volume, taker_buy_quote_volume=taker_buy_quote))
    return bars


def _taker_fields(row: list, where: str) -> tuple[Decimal | None, Decimal | None]:
    """The quote volume (field 7) and taker buy quote volume (field 10) of a kline row, or None when
    the row is shorter; ``SourceDataError`` when negative or the taker part exceeds the whole."""
    if len(row) < 11:
        return None, None
    quote_volume = _decimal(row[7], what=f"{where} quote volume")
    taker_buy_quote = _decimal(row[10], what=f"{where} taker buy quote volume")
    if quote_volume < 0 or taker_buy_quote < 0:
        raise SourceDataError(f"{where}: a quote volume is negative")
    if taker_buy_quote > quote_volume:
        raise SourceDataError(f"{where}: taker buy quote volume {taker_buy_quote} above the quote volume")
    return quote_volume, taker_buy_quote



def ohlcv_problem(open_: Decimal, high: Decimal, low: Decimal, close: Decimal, volume: Decimal) -> str | None:
    """Why these values cannot be a candle, or None when they can."""
    if min(open_, high, low, close) <= 0:
        return "a price is not positive"
    if high < max(open_, close):
        return f"high {high} below open/close"
    if low > min(open_, close):
        return f"low {low} above open/close"
    if volume < 0:
        return f"volume {volume} negative"
    return None
