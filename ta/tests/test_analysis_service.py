"""The scan service on the real database and the real Redis: store, publish, isolate failures."""

from __future__ import annotations

import json
import logging

import pytest

from config.bus.schema import CHANNEL_SIGNALS_SCAN, channel_signals_ta, key_ta_latest
from config.health import _read_timestamps
from config.testing import closed_port
from ta import analysis_selectors
from ta.engine.analysis import symbol_analyse
from ta.models import ScanResult, TAResult
from ta.services import analysis as analysis_service
from ta.services.analysis import DEFAULT_LEVERAGE_RULES, analysis_scan, leverage_config_register
from ta.tests.analysis_data import candles_store

pytestmark = [pytest.mark.django_db, pytest.mark.klines]


@pytest.fixture
def stored(klines_dir):
    return {symbol: candles_store(klines_dir, symbol) for symbol in ("BTCUSDT", "ETHUSDT")}


@pytest.fixture(autouse=True)
def _no_leverage_provider():
    """Each test starts with the defaults; the provider the trader registered is restored after."""
    from ta.services import analysis

    registered = analysis._leverage_provider
    leverage_config_register(None)
    yield
    leverage_config_register(registered)


def test_scan_stores_the_engine_result_of_the_database_candles(stored):
    report = analysis_scan(symbols=["BTCUSDT", "ETHUSDT"])
    assert report.analysed == ["BTCUSDT", "ETHUSDT"] and not report.errors and not report.insufficient
    expected = symbol_analyse(symbol="BTCUSDT", frames=stored["BTCUSDT"], leverage_rules=DEFAULT_LEVERAGE_RULES,
                              max_leverage=10)
    ta_row = TAResult.objects.get(symbol__symbol="BTCUSDT")
    assert ta_row.payload == expected.ta_result  # the DB round trip changes no value
    assert ta_row.candle_time == stored["BTCUSDT"]["5m"].index[-1]
    scan_row = ScanResult.objects.get(symbol__symbol="BTCUSDT")
    assert (scan_row.status, scan_row.long_score, scan_row.short_score) == (
        "ok", expected.scan["long_score"], expected.scan["short_score"])
    assert scan_row.payload == expected.scan
    assert analysis_selectors.ta_result_latest(symbol="BTCUSDT") == expected.ta_result
    assert [entry["symbol"] for entry in analysis_selectors.scan_results_latest()] == ["BTCUSDT", "ETHUSDT"]


def test_scan_publishes_latest_keys_and_channels(stored, redis_conn):
    pubsub = redis_conn.pubsub()
    pubsub.subscribe(channel_signals_ta("BTCUSDT"), CHANNEL_SIGNALS_SCAN)
    pubsub.get_message(timeout=1)
    pubsub.get_message(timeout=1)
    analysis_scan(symbols=["BTCUSDT", "ETHUSDT"])
    latest = json.loads(redis_conn.get(key_ta_latest("BTCUSDT")))
    assert latest == TAResult.objects.get(symbol__symbol="BTCUSDT").payload
    assert 0 < redis_conn.ttl(key_ta_latest("BTCUSDT")) <= 120
    messages = {}
    for _ in range(10):
        message = pubsub.get_message(timeout=1)
        if message and message["type"] == "message":
            messages[message["channel"]] = json.loads(message["data"])
        if len(messages) == 2:
            break
    pubsub.close()
    assert messages[channel_signals_ta("BTCUSDT")] == latest
    scan = messages[CHANNEL_SIGNALS_SCAN]
    assert [entry["symbol"] for entry in scan["results"]] == ["BTCUSDT", "ETHUSDT"]
    assert scan["timestamp"].endswith("Z")


def test_one_symbols_bad_data_or_failure_never_stops_the_others(stored, klines_dir, monkeypatch, caplog):
    candles_store(klines_dir, "SOLUSDT", limit=60)  # too few candles
    real_analyse = analysis_service.symbol_analyse

    def analyse_or_fail(*, symbol, **kwargs):
        if symbol == "ETHUSDT":
            raise RuntimeError("corrupt frame")
        return real_analyse(symbol=symbol, **kwargs)

    monkeypatch.setattr(analysis_service, "symbol_analyse", analyse_or_fail)
    with caplog.at_level(logging.WARNING, logger="ta.services.analysis"):
        report = analysis_scan(symbols=["BTCUSDT", "ETHUSDT", "SOLUSDT"])
    assert report.analysed == ["BTCUSDT"]
    assert report.errors == {"ETHUSDT": "analysis failed: RuntimeError: corrupt frame"}
    assert report.insufficient == {"SOLUSDT": "5m: 60 candles, at least 100 needed"}
    statuses = dict(ScanResult.objects.values_list("symbol__symbol", "status"))
    assert statuses == {"BTCUSDT": "ok", "ETHUSDT": "error", "SOLUSDT": "insufficient_data"}
    assert not TAResult.objects.filter(symbol__symbol__in=["ETHUSDT", "SOLUSDT"]).exists()
    scan_logs = [record for record in caplog.records if getattr(record, "category", None) == "SCAN"]
    assert {record.symbol for record in scan_logs} >= {"ETHUSDT", "SOLUSDT"}

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ta.services.analysis"):
        analysis_scan(symbols=["SOLUSDT"])
    assert not [r for r in caplog.records if getattr(r, "symbol", None) == "SOLUSDT"]  # logged once, not every scan


def test_a_symbol_that_recovers_gets_its_ta_result_back(stored, klines_dir):
    candles_store(klines_dir, "SOLUSDT", limit=60)
    analysis_scan(symbols=["SOLUSDT"])
    assert not TAResult.objects.filter(symbol__symbol="SOLUSDT").exists()
    candles_store(klines_dir, "SOLUSDT", limit=500)
    analysis_scan(symbols=["SOLUSDT"])
    assert ScanResult.objects.get(symbol__symbol="SOLUSDT").status == "ok"
    assert TAResult.objects.filter(symbol__symbol="SOLUSDT").exists()


def test_scan_works_without_redis(stored, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/11"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [settings.REDIS_URL]}}}
    report = analysis_scan(symbols=["BTCUSDT"])
    assert report.analysed == ["BTCUSDT"]
    assert ScanResult.objects.get(symbol__symbol="BTCUSDT").status == "ok"


def test_disabled_and_unknown_symbols_are_skipped(stored):
    from ta.models import Symbol

    Symbol.objects.filter(symbol="ETHUSDT").update(enabled=False)
    report = analysis_scan(symbols=["BTCUSDT", "ETHUSDT", "NOPEUSDT"])
    assert report.analysed == ["BTCUSDT"]
    assert not ScanResult.objects.filter(symbol__symbol="ETHUSDT").exists()


def test_the_trader_supplies_leverage_rules_and_a_broken_provider_falls_back(stored):
    leverage_config_register(lambda: ({"0+": 9, "default": 9}, 3))
    analysis_scan(symbols=["BTCUSDT"])
    assert ScanResult.objects.get(symbol__symbol="BTCUSDT").suggested_leverage == 3  # capped by max_leverage

    def broken():
        raise KeyError("leverage_rules")

    leverage_config_register(broken)
    analysis_scan(symbols=["BTCUSDT"])
    assert ScanResult.objects.get(symbol__symbol="BTCUSDT").suggested_leverage in (5, 7)


def test_health_reports_the_last_ta_scan(stored):
    assert _read_timestamps()["last_ta_scan"] is None
    analysis_scan(symbols=["BTCUSDT"])
    last = ScanResult.objects.get(symbol__symbol="BTCUSDT").computed_at
    assert _read_timestamps()["last_ta_scan"] == last.isoformat()


def test_the_admin_shows_the_latest_results_read_only(stored, admin_client):
    analysis_scan(symbols=["BTCUSDT"])
    page = admin_client.get("/admin/ta/scanresult/")
    assert page.status_code == 200 and b"BTCUSDT" in page.content
    row = ScanResult.objects.get(symbol__symbol="BTCUSDT")
    assert admin_client.get(f"/admin/ta/taresult/{TAResult.objects.get().pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/ta/scanresult/{row.pk}/change/", {"status": "ok"}).status_code == 403


def _crowded_shorts(frame, symbol="BTCUSDT"):
    """5m rows up to the newest 5m candle's close with a long/short ratio of 0.5 (crowded shorts)."""
    from datetime import timedelta
    from decimal import Decimal

    from ta.models import DerivativesPoint, Symbol

    last_close = frame.index[-1].to_pydatetime() + timedelta(minutes=5)
    for minutes in (10, 5):
        DerivativesPoint.objects.create(symbol=Symbol.objects.get(symbol=symbol), period="5m",
                                        time=last_close - timedelta(minutes=minutes),
                                        global_long_short_ratio=Decimal("0.5"), source="test")


def test_derivatives_factors_stay_out_of_the_scanner_score_by_default(stored, settings):
    assert settings.SCANNER_DERIVATIVES_FACTORS is False
    _crowded_shorts(stored["BTCUSDT"]["5m"])
    analysis_scan(symbols=["BTCUSDT"])
    expected = symbol_analyse(symbol="BTCUSDT", frames=stored["BTCUSDT"], leverage_rules=DEFAULT_LEVERAGE_RULES,
                              max_leverage=10)
    assert ScanResult.objects.get(symbol__symbol="BTCUSDT").payload == expected.scan  # the seed's score
    assert not any("LS" in reason for reason in expected.scan["long_reasons"])


def test_the_setting_adds_the_derivatives_factors_to_the_scanner_score_with_reasons(stored, settings):
    settings.SCANNER_DERIVATIVES_FACTORS = True
    _crowded_shorts(stored["BTCUSDT"]["5m"])
    analysis_scan(symbols=["BTCUSDT", "ETHUSDT"])
    seed = symbol_analyse(symbol="BTCUSDT", frames=stored["BTCUSDT"], leverage_rules=DEFAULT_LEVERAGE_RULES,
                          max_leverage=10).scan
    scan = ScanResult.objects.get(symbol__symbol="BTCUSDT").payload
    assert scan["long_score"] == min(80, seed["long_score"] + 5), "crowded shorts: a contrarian long's points"
    assert scan["short_score"] == seed["short_score"]
    assert any(reason.startswith("LS: long/short ratio 0.50 (crowded shorts)") and reason.endswith("(+5)")
               for reason in scan["long_reasons"])
    assert any(reason.startswith("FUND: no data") and reason.endswith("(+0)") for reason in scan["long_reasons"])
    eth = ScanResult.objects.get(symbol__symbol="ETHUSDT").payload  # no rows: every factor absent, no points
    eth_seed = symbol_analyse(symbol="ETHUSDT", frames=stored["ETHUSDT"], leverage_rules=DEFAULT_LEVERAGE_RULES,
                              max_leverage=10).scan
    assert (eth["long_score"], eth["short_score"]) == (eth_seed["long_score"], eth_seed["short_score"])
    assert sum("no data" in reason for reason in eth["long_reasons"]) == 4
