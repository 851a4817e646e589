from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from coinex.client import CoinExClient
from coinex.credentials import credentials_store
from coinex.errors import ExchangeAuthError
from coinex.factory import exchange_for_mode
from coinex.paper import PaperExchange
from coinex.tests.conftest import ACCESS_ID, SECRET_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_environment_credentials(settings):
    settings.COINEX_ACCESS_ID = ""
    settings.COINEX_SECRET_KEY = ""
    settings.CREDENTIALS_ENCRYPTION_KEY = Fernet.generate_key().decode()


def test_paused_means_no_exchange_at_all():
    assert exchange_for_mode(mode="paused") is None


def test_dry_run_is_the_paper_exchange_with_the_given_prices():
    exchange = exchange_for_mode(mode="dry-run", price_provider=lambda symbol: Decimal("123.4"))
    assert isinstance(exchange, PaperExchange)
    assert exchange.ticker(symbol="SOLUSDT").last_price == Decimal("123.4")


def test_live_without_credentials_refuses():
    with pytest.raises(ExchangeAuthError):
        exchange_for_mode(mode="live")


def test_live_is_the_coinex_client_on_the_configured_base_url(settings, sandbox):
    settings.COINEX_BASE_URL = sandbox.server.base_url
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    exchange = exchange_for_mode(mode="live")
    assert isinstance(exchange, CoinExClient)
    assert exchange.balance().equity == Decimal("10000")  # the sandbox's, never the real exchange
    assert exchange_for_mode(mode="live") is exchange  # kept across cycles
    credentials_store(access_id=ACCESS_ID, secret_key="rotated-secret-key-000")
    assert exchange_for_mode(mode="live") is not exchange  # new credentials, new client


@pytest.mark.parametrize("mode", ["LIVE ", "dry_run", "", "paper"])
def test_an_unknown_mode_is_an_error_not_a_fallback(mode):
    with pytest.raises(ValueError, match="unknown trading mode"):
        exchange_for_mode(mode=mode)


@pytest.mark.parametrize("mode", ["dry-run", "live"])
def test_a_venue_without_an_adapter_is_refused_never_served_by_coinex(mode, settings, sandbox, monkeypatch):
    from coinex import factory
    from coinex.errors import VenueUnavailable
    from coinex.venue import Venue

    settings.COINEX_BASE_URL = sandbox.server.base_url
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    monkeypatch.setattr(factory, "VENUES_WITH_ADAPTER", frozenset({Venue.COINEX}))  # a venue added before its adapter
    with pytest.raises(VenueUnavailable, match="no exchange adapter is installed for the venue 'binance'"):
        exchange_for_mode(mode=mode, venue="binance")
    assert exchange_for_mode(mode="paused", venue="binance") is None
    with pytest.raises(ValueError, match="unknown venue"):
        exchange_for_mode(mode=mode, venue="kraken")


def test_live_binance_never_uses_the_coinex_credentials(settings, sandbox):
    from coinex.errors import ExchangeAuthError

    settings.COINEX_BASE_URL = sandbox.server.base_url
    credentials_store(access_id=ACCESS_ID, secret_key=SECRET_KEY)  # CoinEx's only
    with pytest.raises(ExchangeAuthError, match="Binance USD-M API credentials"):
        exchange_for_mode(mode="live", venue="binance")


