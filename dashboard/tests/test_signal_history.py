"""Signal age and staleness: active over 30 min without a score change over 5 points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.models import SignalHistory
from dashboard.services.signal_history import signal_history_payload, signal_history_record

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def record(long_score: int, *, minutes: int, short_score: int = 0) -> None:
    signal_history_record(symbol="BTCUSDT", long_score=long_score, short_score=short_score, long_threshold=45,
                          short_threshold=50, at=T0 + timedelta(minutes=minutes))


def payload_at(minutes: int) -> list[dict]:
    return signal_history_payload(now=T0 + timedelta(minutes=minutes))


def test_a_signal_is_first_seen_when_its_score_reaches_the_threshold():
    record(40, minutes=0)
    assert payload_at(0) == []
    record(50, minutes=5)
    [signal] = payload_at(10)
    assert signal["direction"] == "long" and signal["score"] == 50
    assert signal["firstSeen"] == (T0 + timedelta(minutes=5)).isoformat()
    assert signal["ageSeconds"] == 300 and signal["stale"] is False


def test_a_signal_whose_score_barely_moves_for_30_minutes_is_stale():
    record(50, minutes=0)
    for minute in range(5, 35, 5):
        record(50 + (minute // 5) % 2 * 5, minutes=minute)  # 50, 55, 50 ...: never more than 5 points
    assert payload_at(30)[0]["stale"] is False
    assert payload_at(31)[0]["stale"] is True


def test_a_score_change_over_5_points_keeps_the_signal_fresh():
    record(50, minutes=0)
    record(56, minutes=25)
    [signal] = payload_at(40)
    assert signal["stale"] is False and signal["firstSeen"] == T0.isoformat(), "age still counts from first seen"
    assert payload_at(56)[0]["stale"] is True


def test_a_signal_below_its_threshold_ends_and_starts_afresh_later():
    record(50, minutes=0)
    record(30, minutes=10)
    assert payload_at(10) == []
    record(60, minutes=60)
    [signal] = payload_at(61)
    assert signal["firstSeen"] == (T0 + timedelta(minutes=60)).isoformat() and not signal["stale"]
    assert SignalHistory.objects.count() == 1


def test_each_side_has_its_own_signal():
    record(50, short_score=55, minutes=0)
    assert {s["direction"] for s in payload_at(1)} == {"long", "short"}


def test_the_scan_records_signal_history_in_the_database(scanned):
    from ta.models import ScanResult
    from trader.services.config import config_get

    config = config_get()
    hot = {
        row.symbol.symbol for row in ScanResult.objects.select_related("symbol")
        if row.long_score >= config.long_threshold or row.short_score >= config.short_threshold
    }
    assert {row.symbol for row in SignalHistory.objects.filter(active=True)} == hot
    ScanResult.objects.filter(symbol__symbol="BTCUSDT").first().save()  # as a scan would: signal recorded
    row = ScanResult.objects.get(symbol__symbol="BTCUSDT")
    row.long_score, row.short_score = 70, 0
    row.save()
    assert SignalHistory.objects.get(symbol="BTCUSDT", direction="long").active
