"""The factory builds the Binance adapter for venue "binance"; its credentials are stored apart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from coinex.binance import BinanceUsdmClient
from coinex.client import CoinExClient
from coinex.credentials import (
    ConnectionStatus,
    connection_test,
    credentials_clear,
    credentials_resolve,
    credentials_store,
    credentials_summary,
)
from coinex.errors import ExchangeAuthError
from coinex.factory import exchange_for_mode
from coinex.models import StoredCredentials
from coinex.paper import PaperExchange
from coinex.tests.binance.conftest import API_KEY, SECRET_KEY
from coinex.tests.conftest import ACCESS_ID as COINEX_ACCESS_ID
from coinex.tests.conftest import SECRET_KEY as COINEX_SECRET_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_environment_credentials(settings):
    settings.COINEX_ACCESS_ID = settings.COINEX_SECRET_KEY = ""
    settings.BINANCE_API_KEY = settings.BINANCE_API_SECRET = ""
    settings.CREDENTIALS_ENCRYPTION_KEY = Fernet.generate_key().decode()


def test_live_on_binance_is_the_binance_adapter_with_its_own_credentials(settings, binance, sandbox):
    settings.BINANCE_FUTURES_BASE_URL = binance.server.base_url
    settings.COINEX_BASE_URL = sandbox.server.base_url
    with pytest.raises(ExchangeAuthError, match="Binance USD-M API credentials"):
        exchange_for_mode(mode="live", venue="binance")
    credentials_store(access_id=API_KEY, secret_key=SECRET_KEY, venue="binance")
    credentials_store(access_id=COINEX_ACCESS_ID, secret_key=COINEX_SECRET_KEY)  # existing call, CoinEx
    exchange = exchange_for_mode(mode="live", venue="binance")
    assert isinstance(exchange, BinanceUsdmClient)
    assert exchange.balance().equity == Decimal("10000")  # the loopback server's, never Binance's
    assert exchange_for_mode(mode="live", venue="binance_usdm") is exchange  # kept across cycles
    assert isinstance(exchange_for_mode(mode="live"), CoinExClient)  # the default venue is unchanged
    assert exchange_for_mode(mode="live", venue="binance") is exchange  # CoinEx's client did not evict it


def test_stored_credentials_are_per_venue_and_encrypted(settings):
    credentials_store(access_id=API_KEY, secret_key=SECRET_KEY, venue="binance")
    assert credentials_resolve() is None  # CoinEx has none
    assert credentials_resolve(venue="binance").credentials.secret_key == SECRET_KEY
    row = StoredCredentials.objects.get(venue="binance")
    assert SECRET_KEY not in row.secret_key_encrypted and API_KEY not in row.access_id_encrypted
    summary = credentials_summary(venue="binance")
    assert summary["configured"] and summary["venue"] == "binance" and SECRET_KEY not in str(summary)
    assert summary["access_id_masked"] == f"{API_KEY[:4]}****{API_KEY[-4:]}"
    assert credentials_clear(venue="coinex") is False and credentials_resolve(venue="binance") is not None
    assert credentials_clear(venue="binance") is True and credentials_resolve(venue="binance") is None


def test_environment_credentials_win_for_binance(settings):
    credentials_store(access_id="stored-key-0000000000", secret_key="stored-secret", venue="binance")
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = API_KEY, SECRET_KEY
    assert credentials_resolve(venue="binance").credentials.access_id == API_KEY


def test_connection_test_per_venue(settings, binance):
    assert connection_test(venue="binance").status == ConnectionStatus.NOT_CONFIGURED
    credentials_store(access_id=API_KEY, secret_key=SECRET_KEY, venue="binance")
    result = connection_test(venue="binance", base_url=binance.server.base_url)
    assert result.status == ConnectionStatus.OK and "10000" in result.message
    credentials_store(access_id=API_KEY, secret_key="wrong-secret", venue="binance")
    assert connection_test(venue="binance", base_url=binance.server.base_url).status == ConnectionStatus.AUTH_FAILED


def test_dry_run_on_binance_is_the_paper_exchange_and_unknown_venues_are_errors():
    assert isinstance(exchange_for_mode(mode="dry-run", venue="binance",
                                        price_provider=lambda symbol: Decimal("1")), PaperExchange)
    with pytest.raises(ValueError, match="unknown venue"):
        exchange_for_mode(mode="live", venue="bybit")
