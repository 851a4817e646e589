"""Dashboard test data: real candles and real scans for a few coins, a logged-in operator."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ta.services.analysis import analysis_scan
from ta.services.structure import structure_scan
from ta.testing.symbols import symbols_seed
from ta.tests.analysis_data import candles_store

SCANNED = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT")
PASSWORD = secrets.token_urlsafe(12)


def scan_real_candles(klines_dir: Path, symbols: tuple[str, ...] = SCANNED) -> None:
    """Store real candles for ``symbols`` and run the real scan over them."""
    symbols_seed()
    for symbol in symbols:
        candles_store(klines_dir, symbol)
    analysis_scan(symbols=list(symbols))
    structure_scan(symbols=list(symbols), timeframes=["1h"])


@pytest.fixture
def scanned(db, klines_dir) -> tuple[str, ...]:
    scan_real_candles(klines_dir)
    return SCANNED


@pytest.fixture
def operator_user(db):
    return get_user_model().objects.create_user("dash-operator", password=PASSWORD)


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client
