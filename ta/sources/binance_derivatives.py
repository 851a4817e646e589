"""Binance USD-M public data endpoints: open interest, long/short ratios, taker volume, funding.

Endpoints (https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data):
``/futures/data/openInterestHist`` (``sumOpenInterest`` contracts, ``sumOpenInterestValue`` USDT),
``/futures/data/globalLongShortAccountRatio``, ``topLongShortAccountRatio``,
``topLongShortPositionRatio`` (``longShortRatio``), ``/futures/data/takerlongshortRatio``
(``buyVol``/``sellVol``, base asset), each with ``timestamp`` (ms), ``period`` 5m/1h, ``limit``
<= 500, ``startTime``/``endTime``, and only the last 30 days; ``/fapi/v1/fundingRate``
(``fundingRate``, ``fundingTime``; ``limit`` <= 1000). They share an IP budget of about 1000
requests per 5 minutes: every request first takes its place in the shared ``RequestBudget``.
HTTP, the 418 ban and the 451 block follow the klines client (``BinanceSource``); a 429 is never
waited out here: it stops the run (``SourceRateLimitedError``), whose caller stores the block.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from coinex.binance.symbols import venue_multiplier, venue_symbol
from ta.sources.base import SourceDataError, from_millis, to_millis
from ta.sources.binance import BinanceUsdmSource, _decimal
from ta.sources.budget import RequestBudget
from ta.sources.derivatives import DerivativesKind, DerivativesRow

DATA_HISTORY = timedelta(days=30)
DATA_PAGE_LIMIT = 500
FUNDING_PAGE_LIMIT = 1000
PATHS = {
    DerivativesKind.OPEN_INTEREST: "/futures/data/openInterestHist",
    DerivativesKind.GLOBAL_RATIO: "/futures/data/globalLongShortAccountRatio",
    DerivativesKind.TOP_ACCOUNT_RATIO: "/futures/data/topLongShortAccountRatio",
    DerivativesKind.TOP_POSITION_RATIO: "/futures/data/topLongShortPositionRatio",
    DerivativesKind.TAKER_VOLUME: "/futures/data/takerlongshortRatio",
    DerivativesKind.FUNDING: "/fapi/v1/fundingRate",
}
# Binance field -> model column (or base-volume key), per kind; the time field is "timestamp".
_FIELDS: dict[DerivativesKind, dict[str, str]] = {
    DerivativesKind.OPEN_INTEREST: {"sumOpenInterest": "open_interest", "sumOpenInterestValue": "open_interest_value"},
    DerivativesKind.GLOBAL_RATIO: {"longShortRatio": "global_long_short_ratio"},
    DerivativesKind.TOP_ACCOUNT_RATIO: {"longShortRatio": "top_long_short_account_ratio"},
    DerivativesKind.TOP_POSITION_RATIO: {"longShortRatio": "top_long_short_position_ratio"},
    DerivativesKind.TAKER_VOLUME: {"buyVol": "taker_buy_base_volume", "sellVol": "taker_sell_base_volume"},
    DerivativesKind.FUNDING: {"fundingRate": "funding_rate"},
}
_PER_CONTRACT = ("open_interest", "taker_buy_base_volume", "taker_sell_base_volume")  # x multiplier for coins


class BinanceDerivativesSource(BinanceUsdmSource):
    """The USD-M public data endpoints (see the module docstring); ``budget`` paces every request."""

    name = "binance_data"
    url_setting = "DERIVATIVES_BASE_URL"
    rate_limit_max_wait_s = 0.0  # a 429 stops the run: the budget is shared, waiting in a loop is not
    kinds = tuple(DerivativesKind)
    history = DATA_HISTORY

    def __init__(
        self,
        *,
        base_url: str,
        budget: RequestBudget,
        timeout_s: float = 10.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        extra = {} if sleep is None else {"sleep": sleep}
        super().__init__(base_url=base_url, timeout_s=timeout_s, clock=clock, transport=transport, **extra)
        self.budget = budget
        self.origin = base_url.rstrip("/").removesuffix("/fapi/v1/klines")
        self.requests_sent = 0

    def kind_page_limit(self, kind: DerivativesKind) -> int:
        """500 rows for the data endpoints, 1000 for the funding rate."""
        return FUNDING_PAGE_LIMIT if kind is DerivativesKind.FUNDING else DATA_PAGE_LIMIT

    def _throttle(self) -> None:
        super()._throttle()
        self.budget.acquire()
        self.requests_sent += 1

    def points_fetch(
        self, *, kind: DerivativesKind, symbol: str, period: str, start: datetime, end: datetime
    ) -> list[DerivativesRow]:
        """One page (see ``DerivativesSource``); a multiplied contract (1000PEPEUSDT) is asked for as
        such and its contract quantities turned into coins (values in USDT and ratios unchanged)."""
        contract = venue_symbol(symbol)
        multiplier = venue_multiplier(contract) if contract != symbol else Decimal(1)
        params: dict[str, object] = {"symbol": contract, "startTime": to_millis(start), "endTime": to_millis(end),
                                     "limit": self.kind_page_limit(kind)}
        if kind is not DerivativesKind.FUNDING:
            params["period"] = period
        payload = self._get_json(params, url=self.origin + PATHS[kind])
        rows = parse_data_rows(payload, kind=kind, start=start, end=end)
        if multiplier == 1:
            return rows
        return [
            DerivativesRow(row.time, {k: v * multiplier if k in _PER_CONTRACT else v for k, v in row.values.items()})
            for row in rows
        ]


def parse_data_rows(payload: object, *, kind: DerivativesKind, start: datetime, end: datetime) -> list[DerivativesRow]:
    """Validate an answer of ``kind``'s endpoint; rows inside [start, end], oldest first.

    ``SourceDataError`` on anything malformed (not a list, a row without its fields, a value that
    is not a finite number, a negative volume or open interest): nothing of the answer is stored.
    """
    if not isinstance(payload, list):
        raise SourceDataError(f"Binance {kind} answer is not a list: {str(payload)[:200]}")
    time_field = "fundingTime" if kind is DerivativesKind.FUNDING else "timestamp"
    start_ms, end_ms = to_millis(start), to_millis(end)
    rows: dict[int, DerivativesRow] = {}
    for index, item in enumerate(payload):
        where = f"{kind} row {index}"
        if not isinstance(item, dict):
            raise SourceDataError(f"{where} is not an object: {str(item)[:120]}")
        moment_ms = item.get(time_field)
        if not isinstance(moment_ms, int) or isinstance(moment_ms, bool):
            raise SourceDataError(f"{where}: {time_field} {moment_ms!r} is not an integer")
        values = {}
        for field, column in _FIELDS[kind].items():
            if field not in item:
                raise SourceDataError(f"{where}: no {field}")
            values[column] = _decimal(item[field], what=f"{where} {field}")
            if column != "funding_rate" and values[column] < 0:
                raise SourceDataError(f"{where}: {field} {values[column]} negative")
        if start_ms <= moment_ms <= end_ms:
            rows[moment_ms] = DerivativesRow(from_millis(moment_ms), values)
    return [rows[ms] for ms in sorted(rows)]
