"""The error ring buffer: every process's ERROR records, categorised, last 200, secrets masked."""

from __future__ import annotations

import logging

import pytest

from config.bus.schema import DASHBOARD_ERRORS_MAX, KEY_DASHBOARD_ERRORS
from dashboard.error_log import error_ring_read
from dashboard.selectors import errors_recent

pytestmark = pytest.mark.django_db


def test_error_records_land_in_the_ring_with_the_seed_categories(redis_conn):
    logging.getLogger("ta.services.analysis").error("ETHUSDT analysis failed: boom")
    logging.getLogger("trader.cycle.run").error("open BTCUSDT: order rejected (3109)")
    logging.getLogger("trader.cycle.run").error("balance request timed out")
    logging.getLogger("ta.services.fetch").critical("binance 418: banned")
    logging.getLogger("dashboard.consumers").error("socket handler crashed")
    logging.getLogger("trader.cycle.run").warning("only a warning")
    entries = errors_recent()
    assert [(e["category"], e["message"]) for e in entries] == [
        ("WS_ERROR", "socket handler crashed"),
        ("SCAN_ERROR", "binance 418: banned"),
        ("API_ERROR", "balance request timed out"),
        ("POSITION_ERROR", "open BTCUSDT: order rejected (3109)"),
        ("SCAN_ERROR", "ETHUSDT analysis failed: boom"),
    ]


def test_the_ring_keeps_the_last_200_and_masks_secrets(redis_conn):
    logger = logging.getLogger("trader.services.alerts")
    for number in range(DASHBOARD_ERRORS_MAX + 5):
        logger.error("failure %d secret_key=abcdef123456", number)
    entries = error_ring_read()
    assert len(entries) == DASHBOARD_ERRORS_MAX == redis_conn.llen(KEY_DASHBOARD_ERRORS)
    assert entries[0]["message"] == "failure 204 secret_key=***"
    assert entries[-1]["message"].startswith("failure 5 ")
