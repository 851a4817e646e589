"""The ``binance_usdm`` source (Binance USD-M futures klines) against the loopback fake Binance:
the endpoint and page cap whatever the host, Binance's rate rules, and the source picked by
MARKET_DATA_SOURCE storing real candles through the fetch service."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ta.models import Candle, MarketFeedState
from ta.services.fetch import market_fetch
from ta.sources import source_from_settings
from ta.sources.base import SourceRateLimitedError, to_millis
from ta.sources.binance import BinanceSource, BinanceUsdmSource, klines_endpoint
from ta.testing.fake_binance import FakeBinance, Fault
from ta.tests.conftest import FAKE_BINANCE_NOW

pytestmark = pytest.mark.klines

START = datetime(2024, 5, 1, tzinfo=UTC)


def usdm(fake, sleep):
    return BinanceUsdmSource(base_url=fake.base_url, sleep=sleep, timeout_s=5)


def fetch(source):
    return source.bars_fetch(symbol="BTCUSDT", timeframe="5m", start=START, end=FAKE_BINANCE_NOW, now=FAKE_BINANCE_NOW)


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        ("https://fapi.binance.com", "https://fapi.binance.com/fapi/v1/klines"),
        # The official testnet host has no "fapi." to guess from: the USD-M source still asks /fapi/v1/klines.
        ("https://testnet.binancefuture.com", "https://testnet.binancefuture.com/fapi/v1/klines"),
    ],
)
def test_the_usdm_source_always_reads_the_futures_klines(base_url, url):
    source = BinanceUsdmSource(base_url=base_url)
    try:
        assert (source.klines_url, source.page_limit) == (url, 1500)
    finally:
        source.close()
    assert klines_endpoint("https://testnet.binancefuture.com")[1] == 1000  # the spot source would guess spot


def test_a_page_is_1500_futures_candles_with_the_files_exact_values(fake_binance, recording_sleep, klines_dir):
    bars = fetch(usdm(fake_binance, recording_sleep))
    assert len(bars) == 1500
    request = fake_binance.klines_requests[0]
    assert request.path == "/fapi/v1/klines" and request.params["limit"] == "1500"
    with gzip.open(klines_dir / "BTCUSDT-5m.csv.gz", "rt", newline="") as handle:
        rows = {int(row[0]): [Decimal(v) for v in row[1:]] for row in list(csv.reader(handle))[1:]}
    for bar in (bars[0], bars[-1]):
        assert [bar.open, bar.high, bar.low, bar.close, bar.volume] == rows[to_millis(bar.open_time)]


def test_binance_rate_rules_hold_for_the_usdm_source(fake_binance, recording_sleep):
    fake_binance.faults.append(Fault.too_many_requests(retry_after_s=7))
    assert len(fetch(usdm(fake_binance, recording_sleep))) == 1500
    assert recording_sleep.waits == [7.0]
    fake_binance.faults.append(Fault.too_many_requests(retry_after_s=120))
    with pytest.raises(SourceRateLimitedError):
        fetch(usdm(fake_binance, recording_sleep))
    fake_binance.weight_reset(used_weight=1000)  # 1000 + this request's 10 >= 80 % of 1200: pause
    source = BinanceUsdmSource(base_url=fake_binance.base_url, sleep=recording_sleep, clock=lambda: FAKE_BINANCE_NOW)
    fetch(source)
    assert source.used_weight == 1010
    recording_sleep.waits.clear()
    fetch(source)
    assert len(recording_sleep.waits) == 1


@pytest.mark.django_db
def test_market_data_source_binance_usdm_fetches_from_the_futures_host(fake_binance, settings):
    settings.MARKET_DATA_SOURCE = "binance_usdm"
    settings.BINANCE_FUTURES_BASE_URL = fake_binance.base_url
    settings.BINANCE_BASE_URL = "https://spot.invalid"  # the spot setting plays no part
    source = source_from_settings()
    try:
        report = market_fetch(timeframes=["5m"], symbols=["BTCUSDT"], source=source, backfill=50,
                              wall_now=fake_binance.now)
    finally:
        source.close()
    assert report.errors == [] and report.source == "binance_usdm"
    assert Candle.objects.filter(symbol__symbol="BTCUSDT", timeframe="5m").count() == 50
    assert {r.path for r in fake_binance.klines_requests} == {"/fapi/v1/klines"}


@pytest.mark.django_db
def test_a_regional_block_names_the_futures_url_setting(fake_binance, recording_sleep):
    fake_binance.faults.append(Fault.region_blocked())
    source = usdm(fake_binance, recording_sleep)
    first = market_fetch(timeframes=["5m"], symbols=["BTCUSDT"], source=source, backfill=50,
                         wall_now=fake_binance.now)
    assert "set BINANCE_FUTURES_BASE_URL to a host" in first.stopped and "api.binance.us" not in first.stopped
    report = market_fetch(timeframes=["5m"], symbols=["BTCUSDT"], source=source, backfill=50,
                          wall_now=fake_binance.now)
    assert "set BINANCE_FUTURES_BASE_URL to another host" in report.stopped
    assert MarketFeedState.objects.get(source="binance_usdm").region_blocked_url == fake_binance.base_url


def test_pepe_is_fetched_as_the_1000pepe_contract_and_read_per_coin(tmp_path, klines_dir, recording_sleep):
    """Binance USD-M lists PEPE only as 1000PEPEUSDT: the source asks for that contract and turns its
    prices per 1000 coins back into prices per coin (volume into coins)."""
    start_ms, end_ms = to_millis(START), to_millis(FAKE_BINANCE_NOW)
    with gzip.open(klines_dir / "PEPEUSDT-5m.csv.gz", "rt", newline="") as handle:
        rows = [row for row in list(csv.reader(handle))[1:] if start_ms <= int(row[0]) <= end_ms]
    per_coin = {int(row[0]): [Decimal(v) for v in row[1:]] for row in rows}
    with gzip.open(tmp_path / "1000PEPEUSDT-5m.csv.gz", "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "open", "high", "low", "close", "volume"])
        for row in rows:
            *prices, volume = (Decimal(v) for v in row[1:])
            writer.writerow([row[0], *(f"{p * 1000:f}" for p in prices), f"{volume / 1000:f}"])
    with FakeBinance(tmp_path, now=FAKE_BINANCE_NOW) as fake:
        source = BinanceUsdmSource(base_url=fake.base_url, sleep=recording_sleep, timeout_s=5)
        bars = source.bars_fetch(symbol="PEPEUSDT", timeframe="5m", start=START, end=FAKE_BINANCE_NOW,
                                 now=FAKE_BINANCE_NOW)
        assert fake.klines_requests[0].params["symbol"] == "1000PEPEUSDT"
        spot_class_on_fapi = BinanceSource(base_url=f"{fake.base_url}/fapi/v1/klines", sleep=recording_sleep)
        assert spot_class_on_fapi.bars_fetch(symbol="PEPEUSDT", timeframe="5m", start=START, end=FAKE_BINANCE_NOW,
                                             now=FAKE_BINANCE_NOW) == bars  # binance + a futures host: the same
    assert len(bars) == 1500
    for bar in (bars[0], bars[-1]):
        assert [bar.open, bar.high, bar.low, bar.close, bar.volume] == per_coin[to_millis(bar.open_time)]
