"""The structure scan on real candles in the database: what it stores, its isolation of failures,
its task and chaining, ``manage.py analyze`` and the Fibonacci configuration in the admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from ta.engine.structure.analysis import structure_analyse
from ta.models import (
    ConfluenceFactor,
    FibConfig,
    FibonacciLevels,
    MarketRegime,
    SRLevel,
    SwingPoint,
    TradingSignal,
)
from ta.services import structure as structure_service
from ta.services.structure import ns_datetime, structure_scan
from ta.signals import candles_updated
from ta.structure_selectors import fib_config_current
from ta.tasks import structure as structure_tasks
from ta.tasks.structure import structure_symbols
from ta.tests.analysis_data import candles_store

pytestmark = [pytest.mark.klines, pytest.mark.django_db]


@pytest.fixture
def btc(klines_dir):
    return candles_store(klines_dir, "BTCUSDT")


def test_the_scan_stores_what_the_engines_found_for_each_timeframe(btc):
    report = structure_scan(symbols=["BTCUSDT"])
    assert report.stored == ["BTCUSDT:5m", "BTCUSDT:1h", "BTCUSDT:4h"] and not report.errors
    expected = structure_analyse(btc["1h"])
    swings = SwingPoint.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h")
    assert swings.count() == len(expected.swings)
    assert sorted((row.open_time, row.kind, row.price) for row in swings) == sorted(
        (ns_datetime(point.open_time_ns), point.kind, point.price) for point in expected.swings
    )
    levels = SRLevel.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h").order_by("price")
    assert [row.price for row in levels] == [level.price for level in expected.levels]
    fib = FibonacciLevels.objects.get(symbol__symbol="BTCUSDT", timeframe="1h")
    assert (fib.direction, fib.entry1, fib.state) == (expected.setup.direction, expected.setup.entry1,
                                                      expected.setup.state)
    assert MarketRegime.objects.filter(symbol__symbol="BTCUSDT").count() == 3


def _swings_1h() -> set[tuple[datetime, str, int]]:
    return set(SwingPoint.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h")
               .values_list("open_time", "kind", "strength"))


def test_the_swing_strength_setting_decides_the_swings_the_scan_finds(btc, settings):
    structure_scan(symbols=["BTCUSDT"], timeframes=["1h"])
    default = _swings_1h()
    assert {strength for _, _, strength in default} == {5}, "the seed's default strength"
    SwingPoint.objects.all().delete()

    settings.STRUCTURE_SWING_STRENGTH = 2
    structure_scan(symbols=["BTCUSDT"], timeframes=["1h"])
    narrow = _swings_1h()
    assert {strength for _, _, strength in narrow} == {2}
    assert {(time, kind) for time, kind, _ in default} < {(time, kind) for time, kind, _ in narrow}, (
        "every 5-bar swing is a 2-bar swing, and 2 bars each side confirm more of them")
    expected = structure_analyse(btc["1h"], strength=2).swings
    assert {(time, kind) for time, kind, _ in narrow} == {(ns_datetime(p.open_time_ns), p.kind) for p in expected}


def test_a_live_pullback_is_stored_as_one_signal_per_setup_with_its_factors(btc):
    structure_scan(symbols=["BTCUSDT"])
    structure_scan(symbols=["BTCUSDT"])  # idempotent: the same setup is updated, not duplicated
    expected = structure_analyse(btc["5m"]).signal
    assert expected.actionable  # these 5m candles end in a live pullback
    row = TradingSignal.objects.get(symbol__symbol="BTCUSDT", timeframe="5m")
    assert (row.direction, row.market_score, row.entry1, row.sl) == (
        expected.direction, expected.market_score, expected.entry1, expected.stop)
    assert row.confluence == ",".join(expected.confluence.codes)
    # The five structure factors and the four derivatives ones (no derivatives rows here: "no data").
    factors = dict(ConfluenceFactor.objects.filter(signal=row).values_list("code", "detail"))
    assert list(factors) == ["OB", "SR", "RSI", "FIB", "SWING", "OI", "CVD", "LS", "FUND"]
    assert all(factors[code].startswith("no data") for code in ("OI", "CVD", "LS", "FUND"))
    assert sum(ConfluenceFactor.objects.filter(signal=row).values_list("score", flat=True)) == row.market_score


def test_stored_derivatives_known_at_the_candles_time_score_in_the_confluence(btc):
    from datetime import timedelta
    from decimal import Decimal

    from ta.models import DerivativesPoint, Symbol

    expected = structure_analyse(btc["5m"]).signal
    crowd_against = Decimal("2.5") if expected.direction == "short" else Decimal("0.5")
    last_close = btc["5m"].index[-1].to_pydatetime() + timedelta(minutes=5)
    symbol = Symbol.objects.get(symbol="BTCUSDT")
    for minutes in (10, 5):  # two complete 5m rows, the newest ending at the last candle's close
        DerivativesPoint.objects.create(symbol=symbol, period="5m", time=last_close - timedelta(minutes=minutes),
                                        global_long_short_ratio=crowd_against, source="test")
    DerivativesPoint.objects.create(symbol=symbol, period="5m", time=last_close + timedelta(hours=1),
                                    global_long_short_ratio=Decimal("1.0"), source="test")  # later: never read
    structure_scan(symbols=["BTCUSDT"], timeframes=["5m"])
    row = TradingSignal.objects.get(symbol__symbol="BTCUSDT", timeframe="5m")
    crowd = row.factors.get(code="LS")
    assert (crowd.score, crowd.weight) == (10, 10)
    assert "crowded" in crowd.detail
    assert row.market_score == min(100, expected.market_score + 10)
    assert "LS" in row.confluence.split(",")
    assert row.factors.get(code="FUND").detail.startswith("no data")  # no funding stored


def test_no_signal_is_stored_before_a_pullback_starts(btc):
    assert structure_analyse(btc["1h"]).signal.state == "none"
    structure_scan(symbols=["BTCUSDT"], timeframes=["1h"])
    assert not TradingSignal.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h").exists()
    assert FibonacciLevels.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h").exists()


def _store_frame(symbol: str, timeframe: str, frame) -> None:
    from decimal import Decimal

    from ta.models import Symbol
    from ta.services.candles import candles_upsert
    from ta.sources.base import Bar

    bars = [Bar(open_time=time.to_pydatetime(), open=Decimal(repr(row.open)), high=Decimal(repr(row.high)),
                low=Decimal(repr(row.low)), close=Decimal(repr(row.close)), volume=Decimal(repr(row.volume)))
            for time, row in zip(frame.index, frame.itertuples(index=False), strict=True)]
    candles_upsert(symbol_id=Symbol.objects.get(symbol=symbol).id, timeframe=timeframe, bars=bars)


def test_a_stored_setup_shows_its_invalidation_instead_of_vanishing():
    from ta.tests.engine.structure.series import frame_from_close, zigzag_close

    close = zigzag_close(98)  # ends 7 bars after the peak at bar 90: approaching the long entries
    _store_frame("SOLUSDT", "1h", frame_from_close(close))
    structure_scan(symbols=["SOLUSDT"], timeframes=["1h"])
    row = TradingSignal.objects.get(symbol__symbol="SOLUSDT", timeframe="1h")
    assert (row.direction, row.state, row.entry1) == ("long", "approaching", pytest.approx(102.8))
    _store_frame("SOLUSDT", "1h", frame_from_close([*close, 101.0, 100.0, 99.0]))  # below the stop 100.6
    structure_scan(symbols=["SOLUSDT"], timeframes=["1h"])
    row.refresh_from_db()
    assert (row.state, row.price) == ("invalidated", 99.0)
    assert TradingSignal.objects.filter(symbol__symbol="SOLUSDT").count() == 1


def test_swings_are_history_and_keep_their_first_seen_time(btc):
    structure_scan(symbols=["BTCUSDT"], timeframes=["1h"])
    first_seen = dict(SwingPoint.objects.values_list("id", "detected_at"))
    structure_scan(symbols=["BTCUSDT"], timeframes=["1h"])
    assert dict(SwingPoint.objects.values_list("id", "detected_at")) == first_seen


def test_a_symbol_without_candles_is_insufficient_and_leaves_no_stale_levels(btc):
    structure_scan(symbols=["BTCUSDT", "ETHUSDT"], timeframes=["1h"])
    report = structure_scan(symbols=["ETHUSDT"], timeframes=["1h"])
    assert report.insufficient == {"ETHUSDT:1h": "0 candles, at least 50 needed"}
    regime = MarketRegime.objects.get(symbol__symbol="ETHUSDT", timeframe="1h")
    assert (regime.regime, regime.status, regime.adx) == ("uncertain", "insufficient_data", None)
    assert not SRLevel.objects.filter(symbol__symbol="ETHUSDT").exists()
    assert SRLevel.objects.filter(symbol__symbol="BTCUSDT").exists()


def test_one_series_failing_never_stops_the_others(btc, klines_dir, monkeypatch, caplog):
    candles_store(klines_dir, "ETHUSDT")
    real = structure_service.structure_analyse

    def broken_for_btc(frame, **kwargs):
        if float(frame.close.iloc[-1]) == float(btc["1h"].close.iloc[-1]):
            raise RuntimeError("engine bug")
        return real(frame, **kwargs)

    monkeypatch.setattr(structure_service, "structure_analyse", broken_for_btc)
    report = structure_scan(symbols=["BTCUSDT", "ETHUSDT"], timeframes=["1h"])
    assert report.errors == {"BTCUSDT:1h": "RuntimeError: engine bug"}
    assert report.stored == ["ETHUSDT:1h"]
    assert "structure of BTCUSDT:1h failed" in caplog.text


def test_the_admins_fibonacci_configuration_is_what_the_scan_uses(btc):
    config = FibConfig.objects.get(pk=1)  # created by the migration with the seed's defaults
    assert (config.long_entry1, config.short_stop, config.pullback_start) == (0.70, 0.789, 0.382)
    config.long_entry1, config.long_entry2 = 0.65, 0.66
    config.short_entry1, config.short_entry2 = 0.65, 0.66
    config.save()
    structure_scan(symbols=["BTCUSDT"], timeframes=["1h"])
    fib = FibonacciLevels.objects.get(symbol__symbol="BTCUSDT", timeframe="1h")
    span = fib.swing_high - fib.swing_low
    expected = fib.swing_high - 0.65 * span if fib.direction == "long" else fib.swing_low + 0.65 * span
    assert fib.entry1 == pytest.approx(expected)


def test_an_insane_configuration_falls_back_to_the_seeds(caplog):
    FibConfig.objects.filter(pk=1).update(long_stop=0.5)
    assert fib_config_current().long.stop == 0.90
    assert "Fibonacci configuration ignored" in caplog.text


def test_the_admin_edits_the_configuration_and_refuses_an_insane_one(admin_client):
    url = "/admin/ta/fibconfig/1/change/"
    assert admin_client.get(url).status_code == 200
    form = {name: getattr(FibConfig.objects.get(pk=1), name) for name in (
        "long_entry1", "long_entry2", "long_stop", "long_approaching", "long_tp1", "long_tp2", "long_tp3",
        "short_entry1", "short_entry2", "short_stop", "short_approaching", "short_tp1", "short_tp2", "short_tp3",
        "pullback_start")}
    refused = admin_client.post(url, {**form, "long_stop": 0.6})
    assert refused.status_code == 200 and "entry2 &lt; stop" in refused.content.decode()
    assert admin_client.post(url, {**form, "long_stop": 0.95}).status_code == 302
    assert FibConfig.objects.get(pk=1).long_stop == 0.95
    assert admin_client.get("/admin/ta/tradingsignal/").status_code == 200
    assert admin_client.get("/admin/ta/marketregime/").status_code == 200


def test_the_task_returns_the_report(btc):
    report = structure_symbols.apply(kwargs={"symbols": ["BTCUSDT"], "timeframes": ["4h"]}).get()
    assert report["stored"] == ["BTCUSDT:4h"] and report["errors"] == {}


def test_a_candle_update_queues_the_structure_of_the_changed_series(settings, monkeypatch):
    queued = []
    monkeypatch.setattr(structure_tasks.structure_symbols, "delay", lambda *args: queued.append(args))
    monkeypatch.setattr("ta.tasks.analysis.analyse_symbols.delay", lambda *args: None)
    candles_updated.send(sender=None, symbols=["BTCUSDT"], timeframes=["1h", "4h"], source="test")
    assert queued == [(["BTCUSDT"], ["1h", "4h"])]
    settings.TA_CHAIN_AFTER_FETCH = False
    candles_updated.send(sender=None, symbols=["ETHUSDT"], timeframes=["5m"], source="test")
    assert len(queued) == 1


def test_analyze_also_runs_and_stores_every_structure_engine(btc, capsys):
    call_command("analyze", "BTCUSDT")
    err = capsys.readouterr().err
    assert "structure 1h: stored; regime " in err and "structure 4h: stored" in err
    assert SRLevel.objects.filter(symbol__symbol="BTCUSDT", timeframe="4h").exists()
    assert TradingSignal.objects.filter(symbol__symbol="BTCUSDT").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_one_symbol_leave_one_set_of_levels(klines_dir):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the row lock matters on PostgreSQL")
    from ta.models import Symbol
    from ta.services.structure import structure_compute, structure_store

    candles_store(klines_dir, "BTCUSDT")
    symbol_id = Symbol.objects.get(symbol="BTCUSDT").id
    analysis, regime = structure_compute(symbol="BTCUSDT", timeframe="1h", fib_config=fib_config_current())
    barrier = threading.Barrier(6)
    errors = []

    def run() -> None:
        try:
            barrier.wait()
            structure_store(symbol_id=symbol_id, timeframe="1h", analysis=analysis, regime=regime,
                            computed_at=datetime.now(tz=UTC))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert SRLevel.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h").count() == len(analysis.levels)
    assert MarketRegime.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h").count() == 1
