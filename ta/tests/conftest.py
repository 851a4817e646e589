"""Fixtures of the market-data tests: the loopback fake Binance on real candles, fixed clocks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ta.testing.fake_binance import FakeBinance

# Inside the 2024 window of the shared top-level files (BTC, ETH, SOL, ... 5m/1h/4h).
FAKE_BINANCE_NOW = datetime(2024, 6, 1, 12, 2, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def fake_binance_server(klines_dir: Path) -> Iterator[FakeBinance]:
    """One fake Binance server per session (files are loaded once)."""
    with FakeBinance(klines_dir, now=FAKE_BINANCE_NOW) as server:
        yield server


@pytest.fixture
def fake_binance(fake_binance_server: FakeBinance) -> Iterator[FakeBinance]:
    """The fake Binance with no queued faults, no recorded requests, its clock at FAKE_BINANCE_NOW."""
    fake_binance_server.faults.clear()
    fake_binance_server.requests.clear()
    fake_binance_server.now = FAKE_BINANCE_NOW
    fake_binance_server.weight_minute = lambda: 0  # one frozen weight window per test
    fake_binance_server.weight_reset()
    yield fake_binance_server
    fake_binance_server.faults.clear()


class RecordingSleep:
    """A ``sleep`` that records the waits asked for instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def recording_sleep() -> RecordingSleep:
    return RecordingSleep()
