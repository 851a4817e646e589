"""``manage.py analyze``: its arguments checked first, a partial symbol explained, and ``--all``
running the worker's scan (issue 20 items 2 and 3)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ta.models import Candle, ScanResult, Symbol, TradingSignal
from ta.services.analysis import analysis_scan
from ta.tests.analysis_data import candles_store

pytestmark = pytest.mark.django_db
COINS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def analyze(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("analyze", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as refusal:
        analyze(*args)
    return str(refusal.value)


@pytest.fixture
def three_coins():
    """Only BTCUSDT, ETHUSDT and SOLUSDT enabled (the other seeded coins disabled)."""
    Symbol.objects.exclude(symbol__in=COINS).update(enabled=False)


@pytest.mark.parametrize(("args", "message"), [
    ((), "name a SYMBOL (e.g. BTCUSDT), or --all for every enabled coin"),
    (("BTCUSDT", "--all"), "it takes no SYMBOL"),
    (("--all", "--candles", "x.csv", "--limit", "200"), "it takes no --candles, --limit"),
    (("BTCUSDT", "--limit", "50"), "--limit must be from 100 (the engine's minimum) to 5000, not 50"),
    (("BTC/USDT",), "'BTC/USDT' is not an exchange symbol such as BTCUSDT"),
    (("NOPEUSDT",), "unknown symbol NOPEUSDT: not in the symbol list"),
    (("BTCUSDT", "--candles", "/nonexistent/BTCUSDT-5m.csv"), "--candles /nonexistent/BTCUSDT-5m.csv: no such file"),
])
def test_bad_arguments_are_refused_before_any_work(args, message):
    assert message in refused(*args)
    assert not ScanResult.objects.exists() and not TradingSignal.objects.exists()


@pytest.mark.klines
def test_a_symbol_missing_a_timeframe_says_what_was_stored_and_what_is_missing(klines_dir):
    candles_store(klines_dir, "ETHUSDT")
    Candle.objects.filter(symbol__symbol="ETHUSDT", timeframe="1h").delete()
    out, err = analyze("ETHUSDT")  # exit 0: the structure of 5m and 4h was analysed and stored
    assert out == ""
    assert "TA not analysed: ETHUSDT: insufficient_data: 1h: 0 candles, at least 100 needed" in err
    assert "stored candles: 5m 500, 1h 0, 4h 500; missing: 1h (0 of 100)" in err
    assert "structure stored for 5m, 4h" in err


def test_a_symbol_with_nothing_to_analyse_fails_saying_so():
    message = refused("BTCUSDT")
    assert "stored candles: 5m 0, 1h 0, 4h 0; missing: 5m (0 of 100), 1h (0 of 100), 4h (0 of 100)" in message


@pytest.mark.klines
def test_all_runs_the_workers_scan_of_every_enabled_coin_with_a_summary(klines_dir, three_coins):
    candles_store(klines_dir, "BTCUSDT")
    candles_store(klines_dir, "ETHUSDT")
    Candle.objects.filter(symbol__symbol="ETHUSDT", timeframe__in=["1h", "4h"]).delete()
    out, err = analyze("--all", "--no-progress")
    assert ("scanned 3 enabled coin(s) in " in out and "1 analysed, 2 without enough data, 0 failed; "
            "structure 4 series stored, 5 without enough data, 0 failed" in out)
    assert "ETHUSDT: not analysed: 1h: 0 candles" in err and "SOLUSDT: not analysed: 5m: 0 candles" in err
    stored = {row.symbol.symbol: row.status for row in ScanResult.objects.select_related("symbol")}
    assert stored == {"BTCUSDT": "ok", "ETHUSDT": "insufficient_data", "SOLUSDT": "insufficient_data"}
    by_command = ScanResult.objects.get(symbol__symbol="BTCUSDT").payload
    analysis_scan()  # what the analysis.scan task runs: the same result for the same candles
    assert ScanResult.objects.get(symbol__symbol="BTCUSDT").payload == by_command


def test_all_with_a_progress_bar_and_json_reports_each_scan(three_coins):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"^nothing could be analysed$"):
        call_command("analyze", "--all", "--json", stdout=out, stderr=err)
    reports = json.loads(out.getvalue())
    assert sorted(reports["scan"]["insufficient"]) == COINS and reports["structure"]["stored"] == []
    assert "scanned 3 enabled coin(s)" in err.getvalue()


def test_all_without_an_enabled_coin_says_so():
    Symbol.objects.update(enabled=False)
    message = refused("--all", "--no-progress")
    assert message == "nothing could be analysed: no coin is enabled (enable some in the admin)"
