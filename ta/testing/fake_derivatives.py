"""The fake Binance's USD-M public data endpoints, derived deterministically from the kline files.

Served like Binance's (https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data):
``/futures/data/openInterestHist`` (``sumOpenInterest``, ``sumOpenInterestValue``),
``globalLongShortAccountRatio``, ``topLongShortAccountRatio``, ``topLongShortPositionRatio``
(``longShortRatio``, ``longAccount``, ``shortAccount``), ``takerlongshortRatio`` (``buySellRatio``,
``buyVol``, ``sellVol``, base-asset volumes), each row with its ``timestamp`` (ms, the period's start
here); ``period`` 5m or 1h, ``limit`` default 30 and at most 500; only the last 30 days exist
(a ``startTime`` older than that is refused, as a reminder that the fetcher must never ask).
``/fapi/v1/fundingRate`` (``fundingRate``, ``fundingTime``, ``markPrice``; limit default 100, at
most 1000) settles every 8 h. With ``startTime`` the first ``limit`` rows from it are answered,
without it the newest ``limit`` up to ``endTime``. Only periods closed at the fake's ``now`` exist.
"""

from __future__ import annotations

import bisect
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ta.sources.base import to_millis
from ta.testing.fake_binance import FUNDING_PATH, taker_buy_fraction

if TYPE_CHECKING:
    from ta.testing.fake_binance import FakeBinance

DATA_HISTORY = timedelta(days=30)
DATA_MAX_LIMIT, DATA_DEFAULT_LIMIT = 500, 30
FUNDING_MAX_LIMIT, FUNDING_DEFAULT_LIMIT = 1000, 100
FUNDING_EVERY_MS = 8 * 3_600_000
PERIOD_MS = {"5m": 300_000, "1h": 3_600_000}
BODY_INVALID_PERIOD = {"code": -1120, "msg": "Invalid period."}
BODY_INVALID_START = {"code": -1130, "msg": "Data sent for parameter 'startTime' is not valid."}
BODY_INVALID_LIMIT = {"code": -1130, "msg": "Data sent for parameter 'limit' is not valid."}
BODY_INVALID_SYMBOL = {"code": -1121, "msg": "Invalid symbol."}
_PLACES = Decimal("0.00000001")


def noise(open_ms: int, salt: int) -> float:
    """A deterministic value in [-0.5, 0.5) per minute and salt."""
    return (((open_ms // 60_000) * 2654435761 + salt * 40503) % 1000) / 1000 - 0.5


def _text(value: Decimal | float) -> str:
    return str(Decimal(str(value)).quantize(_PLACES))


def _ratio_row(symbol: str, open_ms: int, salt: int, spread: float) -> dict[str, object]:
    ratio = Decimal(str(round(1 + spread * noise(open_ms, salt), 4)))
    long_share = ratio / (1 + ratio)
    return {"symbol": symbol, "longShortRatio": str(ratio), "longAccount": _text(long_share),
            "shortAccount": _text(1 - long_share), "timestamp": open_ms}


def data_row(path: str, symbol: str, open_ms: int, values: list[str]) -> dict[str, object]:
    """The row ``path`` answers for the candle (open, high, low, close, volume) opening at ``open_ms``."""
    open_, _high, _low, close, volume = values
    if path.endswith("openInterestHist"):
        contracts = Decimal(volume) * Decimal(str(30 * (1 + 0.2 * noise(open_ms, 1))))
        return {"symbol": symbol, "sumOpenInterest": _text(contracts),
                "sumOpenInterestValue": _text(contracts * Decimal(close)), "timestamp": open_ms}
    if path.endswith("globalLongShortAccountRatio"):
        return _ratio_row(symbol, open_ms, 2, 0.6)
    if path.endswith("topLongShortAccountRatio"):
        return _ratio_row(symbol, open_ms, 3, 0.8)
    if path.endswith("topLongShortPositionRatio"):
        return _ratio_row(symbol, open_ms, 4, 1.0)
    buy = Decimal(volume) * Decimal(str(round(taker_buy_fraction(open_ms, open_, close), 4)))
    sell = Decimal(volume) - buy
    ratio = buy / sell if sell else Decimal(0)
    return {"buySellRatio": _text(ratio), "buyVol": _text(buy), "sellVol": _text(sell), "timestamp": open_ms}


def _limit(params: dict[str, str], default: int, maximum: int) -> int | None:
    try:
        limit = int(params.get("limit", default))
    except ValueError:
        return None
    return limit if 1 <= limit <= maximum else None


def _window(times: list[int], params: dict[str, str], limit: int, end_ms: int) -> tuple[int, int]:
    last = bisect.bisect_right(times, min(int(params.get("endTime", end_ms)), end_ms))
    if "startTime" in params:
        first = bisect.bisect_left(times, int(params["startTime"]))
        return first, min(last, first + limit)
    return max(0, last - limit), last


def data_answer(fake: FakeBinance, path: str, params: dict[str, str]) -> tuple[int, object]:
    """(HTTP status, JSON body) of a data or funding request."""
    symbol = params.get("symbol", "")
    now_ms = to_millis(fake.now)
    if path == FUNDING_PATH:
        return _funding(fake, symbol, params, now_ms)
    period = params.get("period", "")
    if period not in PERIOD_MS:
        return 400, BODY_INVALID_PERIOD
    limit = _limit(params, DATA_DEFAULT_LIMIT, DATA_MAX_LIMIT)
    if limit is None:
        return 400, BODY_INVALID_LIMIT
    oldest_ms = to_millis(fake.now - DATA_HISTORY)
    if "startTime" in params and int(params["startTime"]) < oldest_ms:
        return 400, BODY_INVALID_START
    series = fake.series_rows(symbol, period)
    if series is None:
        return 400, BODY_INVALID_SYMBOL
    newest_closed_ms = now_ms - PERIOD_MS[period]
    first, last = _window(series.open_ms, params, limit, newest_closed_ms)
    first = max(first, bisect.bisect_left(series.open_ms, oldest_ms))
    return 200, [data_row(path, symbol, series.open_ms[i], series.rows[i]) for i in range(first, last)]


def _funding(fake: FakeBinance, symbol: str, params: dict[str, str], now_ms: int) -> tuple[int, object]:
    limit = _limit(params, FUNDING_DEFAULT_LIMIT, FUNDING_MAX_LIMIT)
    if limit is None:
        return 400, BODY_INVALID_LIMIT
    series = fake.series_rows(symbol, "1h")
    if series is None:
        return 400, BODY_INVALID_SYMBOL
    events = [ms for ms in series.open_ms if ms % FUNDING_EVERY_MS == 0 and ms <= now_ms]
    first, last = _window(events, params, limit, now_ms)
    rows = []
    for open_ms in events[first:last]:
        close = series.rows[bisect.bisect_left(series.open_ms, open_ms)][3]
        rate = Decimal(str(round(0.0001 + 0.0004 * noise(open_ms, 5), 8)))
        rows.append({"symbol": symbol, "fundingTime": open_ms, "fundingRate": _text(rate), "markPrice": close})
    return 200, rows
