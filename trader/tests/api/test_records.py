"""/trades (paged, filtered), /decisions, /cycles, /logs and /logs/trades."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from config.logging import LOG_FILE_NAME

pytestmark = pytest.mark.django_db


def test_trades_are_paged_and_filtered(api, open_positions):
    api.post("/api/v1/positions/BTCUSDT/close")
    all_trades = api.get("/api/v1/trades").json()
    assert all_trades["count"] == 2
    closed = api.get("/api/v1/trades", {"state": "closed"}).json()["results"]
    assert [(t["symbol"], t["close_reason"]) for t in closed] == [("BTCUSDT", "manual")]
    assert [t["symbol"] for t in api.get("/api/v1/trades", {"side": "short"}).json()["results"]] == ["ETHUSDT"]
    page = api.get("/api/v1/trades", {"page_size": 1, "page": 2}).json()
    assert len(page["results"]) == 1 and page["previous"] is not None
    assert api.get("/api/v1/trades", {"page": 9}).status_code == 404


@pytest.mark.parametrize("query", [{"side": "sideways"}, {"since": "yesterday"}, {"symbol": "btc"},
                                   {"sid": "long"}, {"page_size": 0}, {"state": ""}])
def test_bad_trade_filters_are_400(api, query):
    response = api.get("/api/v1/trades", query)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == set(query)


def test_decisions_record_why_each_candidate_was_entered_or_not(api, open_positions):
    body = api.get("/api/v1/decisions", {"symbol": "BTCUSDT"}).json()
    assert body["count"] == 1
    decision = body["results"][0]
    assert decision["outcome"] == "entered" and decision["verdicts"]
    assert api.get("/api/v1/decisions", {"outcome": "skipped"}).json()["count"] == 0


def test_cycles_summarise_each_run(api, open_positions):
    cycles = api.get("/api/v1/cycles").json()["results"]
    assert cycles[0]["outcome"] == "ok" and cycles[0]["mode"] == "dry-run"
    assert api.get("/api/v1/cycles", {"outcome": "failed"}).json()["count"] == 0


@pytest.fixture
def log_records(settings, tmp_path):
    """A log folder with records in the current file and in a rotated one."""
    settings.LOG_DIR = str(tmp_path)
    now = datetime.now(tz=UTC)

    def record(minutes_ago, level, category, message, **metadata):
        stamp = (now - timedelta(minutes=minutes_ago)).isoformat()
        return json.dumps({"timestamp": stamp, "level": level, "category": category, "logger": "trader.x",
                           "message": message, **metadata})

    (tmp_path / f"{LOG_FILE_NAME}.1").write_text("\n".join([
        record(60, "INFO", "TRADE", "opened long BTCUSDT", correlation_id="sig-1"),
        record(50, "ERROR", "API", "old api failure"),
    ]) + "\n")
    (tmp_path / LOG_FILE_NAME).write_text("\n".join([
        record(10, "WARNING", "SCAN", "stale candles"),
        "not json at all",
        record(5, "ERROR", "TRADE", "could not close ETHUSDT"),
        record(1, "DEBUG", "SYSTEM", "tick"),
    ]) + "\n")
    return now


def test_logs_are_newest_first_across_rotated_files(api, log_records):
    messages = [e["message"] for e in api.get("/api/v1/logs").json()]
    assert messages == ["tick", "could not close ETHUSDT", "stale candles", "old api failure", "opened long BTCUSDT"]


def test_logs_filter_by_level_category_since_and_limit(api, log_records):
    def messages(**query):
        return [e["message"] for e in api.get("/api/v1/logs", query).json()]

    assert messages(level="error") == ["could not close ETHUSDT", "old api failure"]
    assert messages(category="TRADE") == ["could not close ETHUSDT", "opened long BTCUSDT"]
    since = (log_records - timedelta(minutes=30)).isoformat()
    assert messages(since=since) == ["tick", "could not close ETHUSDT", "stale candles"]
    assert messages(limit=2) == ["tick", "could not close ETHUSDT"]


def test_log_metadata_is_kept(api, log_records):
    oldest = api.get("/api/v1/logs", {"category": "TRADE"}).json()[-1]
    assert oldest["metadata"] == {"correlation_id": "sig-1"} and oldest["level"] == "info"


@pytest.mark.parametrize("query", [{"level": "loud"}, {"category": "trade"}, {"limit": 5000}, {"since": "noon"}])
def test_bad_log_queries_are_400(api, log_records, query):
    assert api.get("/api/v1/logs", query).status_code == 400


def test_trade_logs_hold_only_trade_records(api, log_records):
    assert [e["message"] for e in api.get("/api/v1/logs/trades").json()] == [
        "could not close ETHUSDT", "opened long BTCUSDT"]


def test_no_log_yet_is_an_empty_list(api, settings, tmp_path):
    settings.LOG_DIR = str(tmp_path / "empty")
    assert api.get("/api/v1/logs").json() == []
