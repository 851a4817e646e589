"""manage.py fetch_derivatives and backfill_taker_volumes: what a user running them sees and gets."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ta.models import Candle, DerivativesPoint, Symbol
from ta.services.candles import candles_upsert
from ta.sources.binance import BinanceSource

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_simulated_market_gives_every_series_with_progress_then_follows():
    call_command("fetch_candles", "--source", "simulated", "--symbols", "BTCUSDT", "--timeframes", "1h",
                 "--backfill", "48", stdout=StringIO())
    out, _ = run("fetch_derivatives", "--source", "simulated", "--symbols", "BTCUSDT", "--periods", "1h")
    assert "BTCUSDT 1h open_interest: " in out and "BTCUSDT - funding_rate: " in out
    assert "simulated: " in out and "new or changed" in out
    newest = DerivativesPoint.objects.filter(symbol__symbol="BTCUSDT", period="1h").order_by("time").last()
    for column in ("open_interest", "global_long_short_ratio", "top_long_short_position_ratio", "funding_rate",
                   "taker_buy_volume", "cvd"):
        assert getattr(newest, column) is not None, column
    again, _ = run("fetch_derivatives", "--source", "simulated", "--symbols", "BTCUSDT", "--periods", "1h")
    assert "open_interest" not in again, "a second run right after asks nothing it already has"


def test_disabled_derivatives_are_refused_with_the_reason(settings):
    settings.DERIVATIVES_ENABLED = False
    with pytest.raises(CommandError, match="DERIVATIVES_ENABLED=false"):
        run("fetch_derivatives", "--source", "simulated")


def test_a_csv_replay_reports_the_series_absent(settings):
    assert "replay" not in settings.DATABASES  # the replay reads CSV files: it has no derivatives rows
    out, _ = run("fetch_derivatives", "--source", "replay", "--symbols", "BTCUSDT", "--periods", "1h")
    assert "has no derivatives data" in out


@pytest.mark.klines
def test_backfill_taker_volumes_fills_stored_candles_and_builds_the_cvd(fake_binance, settings):
    settings.BINANCE_BASE_URL = fake_binance.base_url
    source = BinanceSource(base_url=fake_binance.base_url, timeout_s=5)
    end = fake_binance.now.replace(minute=0, second=0)
    bars = source.bars_fetch(symbol="BTCUSDT", timeframe="1h", start=end - timedelta(days=3), end=end,
                             now=fake_binance.now)
    source.close()
    btc = Symbol.objects.get(symbol="BTCUSDT")
    # Candles stored before the klines kept their taker fields:
    candles_upsert(symbol_id=btc.pk, timeframe="1h",
                   bars=[replace(bar, quote_volume=None, taker_buy_quote_volume=None) for bar in bars])
    out, _ = run("backfill_taker_volumes", "--source", "binance", "--symbols", "BTCUSDT", "--timeframes", "1h",
                 "--pause-s", "0")
    closed = Candle.objects.filter(symbol=btc, timeframe="1h", is_closed=True)
    assert "BTCUSDT 1h: up to" in out and f"{closed.count()} candles got their taker fields" in out
    assert not closed.filter(taker_buy_quote_volume__isnull=True).exists()
    assert DerivativesPoint.objects.filter(symbol=btc, period="1h", cvd__isnull=False).count() == closed.count()
