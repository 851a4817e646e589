"""The Binance klines client against the loopback fake Binance serving real candles."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ta.sources.base import (
    SourceBannedError,
    SourceConfigError,
    SourceDataError,
    SourceRateLimitedError,
    SourceRegionBlockedError,
    SourceTemporaryError,
    from_millis,
    to_millis,
)
from ta.sources.binance import BinanceSource, klines_endpoint
from ta.testing.fake_binance import Fault
from ta.tests.conftest import FAKE_BINANCE_NOW

pytestmark = pytest.mark.klines

START = datetime(2024, 5, 1, tzinfo=UTC)


def file_rows(klines_dir, name):
    with gzip.open(klines_dir / name, "rt", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return {int(row[0]): row[1:] for row in rows}


def source_for(fake, recording_sleep, **kwargs):
    return BinanceSource(base_url=fake.base_url, sleep=recording_sleep, timeout_s=kwargs.pop("timeout_s", 5), **kwargs)


def fetch(source, *, symbol="BTCUSDT", timeframe="5m", start=START, end=FAKE_BINANCE_NOW):
    return source.bars_fetch(symbol=symbol, timeframe=timeframe, start=start, end=end, now=FAKE_BINANCE_NOW)


@pytest.mark.parametrize(
    ("base_url", "url", "page_limit"),
    [
        ("https://api.binance.us", "https://api.binance.us/api/v3/klines", 1000),
        ("https://api.binance.com/", "https://api.binance.com/api/v3/klines", 1000),
        ("https://fapi.binance.com", "https://fapi.binance.com/fapi/v1/klines", 1500),
        ("https://fapi.binance.com/fapi/v1/klines", "https://fapi.binance.com/fapi/v1/klines", 1500),
    ],
)
def test_base_url_selects_the_spot_or_futures_endpoint_and_its_cap(base_url, url, page_limit):
    assert klines_endpoint(base_url) == (url, page_limit)


def test_a_page_is_capped_at_1000_spot_candles_with_the_files_exact_values(fake_binance, recording_sleep, klines_dir):
    bars = fetch(source_for(fake_binance, recording_sleep))
    assert len(bars) == 1000
    expected = file_rows(klines_dir, "BTCUSDT-5m.csv.gz")
    first = bars[0]
    assert first.open_time == START
    assert [first.open, first.high, first.low, first.close, first.volume] == [
        Decimal(v) for v in expected[1714521600000]
    ]
    assert all(bar.is_closed for bar in bars)
    request = fake_binance.klines_requests[0]
    assert request.path == "/api/v3/klines"
    assert request.params["limit"] == "1000" and request.params["interval"] == "5m"


def test_the_futures_endpoint_pages_1500_candles(fake_binance, recording_sleep):
    source = BinanceSource(base_url=f"{fake_binance.base_url}/fapi/v1/klines", sleep=recording_sleep)
    bars = fetch(source)
    assert len(bars) == 1500
    assert fake_binance.klines_requests[0].path == "/fapi/v1/klines"


def test_the_candle_containing_now_is_marked_forming(fake_binance, recording_sleep):
    bars = fetch(source_for(fake_binance, recording_sleep), start=FAKE_BINANCE_NOW - timedelta(minutes=15))
    assert [bar.open_time.minute for bar in bars] == [50, 55, 0]
    assert [bar.is_closed for bar in bars] == [True, True, False]


def test_used_weight_near_the_budget_pauses_until_the_next_minute(fake_binance, recording_sleep):
    clock_now = datetime(2024, 6, 1, 12, 0, 40, tzinfo=UTC)
    source = source_for(fake_binance, recording_sleep, weight_limit_1m=10, clock=lambda: clock_now)
    for _ in range(4):  # spot klines weigh 2: the header reads 2, 4, 6, 8
        fetch(source)
    assert source.used_weight == 8
    assert recording_sleep.waits == []
    fetch(source)  # 8 >= 80 % of 10: wait for the next minute (20 s away) before asking
    assert recording_sleep.waits == [pytest.approx(20.5)]
    assert len(fake_binance.klines_requests) == 5


def test_weight_from_a_previous_minute_does_not_pause(fake_binance, recording_sleep):
    clock = {"now": datetime(2024, 6, 1, 12, 0, 40, tzinfo=UTC)}
    source = source_for(fake_binance, recording_sleep, weight_limit_1m=10, clock=lambda: clock["now"])
    fake_binance.weight_reset(used_weight=6)
    fetch(source)  # header 8, recorded in minute 12:00
    clock["now"] = datetime(2024, 6, 1, 12, 1, 5, tzinfo=UTC)
    fetch(source)  # a new minute is a new window: no pause
    assert recording_sleep.waits == []


def test_429_waits_as_long_as_retry_after_asks_then_succeeds(fake_binance, recording_sleep):
    fake_binance.faults.append(Fault.too_many_requests(retry_after_s=7))
    bars = fetch(source_for(fake_binance, recording_sleep))
    assert recording_sleep.waits == [7.0]
    assert len(fake_binance.klines_requests) == 2
    assert len(bars) == 1000


def test_429_asking_for_too_long_fails_the_fetch_without_hammering(fake_binance, recording_sleep):
    fake_binance.faults.append(Fault.too_many_requests(retry_after_s=120))
    with pytest.raises(SourceRateLimitedError) as raised:
        fetch(source_for(fake_binance, recording_sleep))
    assert raised.value.retry_after_s == 120
    assert len(fake_binance.klines_requests) == 1
    assert recording_sleep.waits == []


def test_418_is_a_ban_until_the_time_binance_names(fake_binance, recording_sleep):
    banned_until_ms = 1717250000000
    fake_binance.faults.append(Fault.banned(retry_after_s=600, banned_until_ms=banned_until_ms))
    with pytest.raises(SourceBannedError) as raised:
        fetch(source_for(fake_binance, recording_sleep))
    assert raised.value.until == from_millis(banned_until_ms)
    assert len(fake_binance.klines_requests) == 1


def test_451_is_a_regional_block_and_not_retried(fake_binance, recording_sleep):
    fake_binance.faults.append(Fault.region_blocked())
    with pytest.raises(SourceRegionBlockedError) as raised:
        fetch(source_for(fake_binance, recording_sleep))
    assert "restricted location" in str(raised.value)
    assert raised.value.base_url == fake_binance.base_url
    assert len(fake_binance.klines_requests) == 1


def test_a_timeout_is_retried_with_backoff(fake_binance, recording_sleep):
    fake_binance.faults.append(Fault.stall(seconds=1.0))
    bars = fetch(source_for(fake_binance, recording_sleep, timeout_s=0.3))
    assert len(bars) == 1000
    assert recording_sleep.waits == [0.5]


def test_persistent_server_errors_give_up_after_the_last_attempt(fake_binance, recording_sleep):
    fake_binance.faults.extend([Fault.server_error()] * 4)
    with pytest.raises(SourceTemporaryError, match="after 4 attempts"):
        fetch(source_for(fake_binance, recording_sleep))
    assert recording_sleep.waits == [0.5, 1.0, 2.0]


def test_malformed_json_is_rejected_with_a_clear_error(fake_binance, recording_sleep):
    fake_binance.faults.append(Fault.malformed_json())
    with pytest.raises(SourceDataError, match="malformed JSON"):
        fetch(source_for(fake_binance, recording_sleep))


def test_a_malformed_row_rejects_the_whole_response(fake_binance, recording_sleep):
    fake_binance.faults.append(Fault.malformed_row())
    with pytest.raises(SourceDataError, match=r"kline row 500 high is 'not-a-number'"):
        fetch(source_for(fake_binance, recording_sleep))


def test_an_unknown_symbol_is_a_configuration_error(fake_binance, recording_sleep):
    with pytest.raises(SourceConfigError, match="Invalid symbol"):
        fetch(source_for(fake_binance, recording_sleep), symbol="NOPEUSDT")


def test_klines_keep_the_quote_and_taker_buy_quote_volumes(fake_binance, recording_sleep):
    from ta.testing.fake_binance import kline_taker_fields

    bars = fetch(source_for(fake_binance, recording_sleep), end=START + timedelta(hours=1))
    served = fake_binance.series_rows("BTCUSDT", "5m")
    for bar in bars:
        values = served.rows[served.open_ms.index(to_millis(bar.open_time))]
        quote, _, taker_quote = kline_taker_fields(to_millis(bar.open_time), *values)
        assert (bar.quote_volume, bar.taker_buy_quote_volume) == (Decimal(quote), Decimal(taker_quote))
        assert 0 < bar.taker_buy_quote_volume < bar.quote_volume


def test_a_taker_buy_volume_above_the_quote_volume_rejects_the_answer():
    from ta.sources.binance import parse_klines

    row = [to_millis(START), "1", "2", "1", "2", "10", 0, "15", 3, "9", "16", "0"]
    with pytest.raises(SourceDataError, match="above the quote volume"):
        parse_klines([row], timeframe="5m", start=START, end=START, now=FAKE_BINANCE_NOW)
    row[10] = "12"
    [bar] = parse_klines([row], timeframe="5m", start=START, end=START, now=FAKE_BINANCE_NOW)
    assert (bar.quote_volume, bar.taker_buy_quote_volume) == (Decimal(15), Decimal(12))
    [short] = parse_klines([row[:6]], timeframe="5m", start=START, end=START, now=FAKE_BINANCE_NOW)
    assert short.quote_volume is None, "a row without the fields: unknown, not zero"
