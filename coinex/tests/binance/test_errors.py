"""Binance error answers are translated at the boundary into coinex.errors classes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinex.client.transport import RequestTimedOut
from coinex.dto import OrderSide, OrderType
from coinex.errors import ExchangeAuthError, ExchangeTemporaryError, OrderNotFound, OrderRejected
from coinex.tests.binance.conftest import API_KEY, SECRET_KEY


@pytest.mark.parametrize(("code", "status", "expected"), [
    (-2019, 400, OrderRejected),  # margin insufficient
    (-4164, 400, OrderRejected),  # min notional
    (-1111, 400, OrderRejected),  # precision
    (-2015, 401, ExchangeAuthError),  # invalid key, IP or permissions
    (-1022, 400, ExchangeAuthError),  # bad signature
    (-1001, 400, ExchangeTemporaryError),  # disconnected
    (-1008, 400, ExchangeTemporaryError),  # server busy
])
def test_error_codes_become_the_caller_s_exceptions(client, binance, code, status, expected):
    client.markets()
    binance.fail(code=code, msg=f"injected {code}", http_status=status, path="/fapi/v1/order", count=1)
    with pytest.raises(expected) as raised:
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.01"),
                           client_id="err-1")
    assert raised.value.code == code


def test_margin_insufficient_from_the_engine(client, binance):
    binance.price("BTCUSDT", "50000")
    with pytest.raises(OrderRejected) as rejected:  # 10 BTC at 20x needs 25,000 USDT of margin
        client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("10"),
                           client_id="big-1")
    assert rejected.value.code == -2019


def test_cancelling_an_unknown_order_is_order_not_found(client):
    with pytest.raises(OrderNotFound) as missing:
        client.order_cancel(symbol="BTCUSDT", order_id="12345")
    assert missing.value.code == -2011


def test_a_gateway_error_on_a_read_is_retried(client, binance):
    binance.fail(http_status=502, path="/fapi/v2/account", count=1)
    assert client.balance().equity == Decimal("10000")


def test_an_unknown_outcome_is_reported_as_such(client, binance):
    binance.fail(code=-1007, msg="Timeout waiting for response from backend server. Send status unknown; "
                 "execution status unknown.", http_status=408, path="/fapi/v2/account", count=3)
    with pytest.raises(RequestTimedOut):
        client.balance()


def test_a_wrong_api_key_is_an_auth_error(binance):
    from coinex.binance import BinanceUsdmClient
    from coinex.client import ApiCredentials

    stranger = BinanceUsdmClient.create(base_url=binance.server.base_url,
                                        credentials=ApiCredentials(API_KEY + "x", SECRET_KEY), timeout_s=2)
    with pytest.raises(ExchangeAuthError) as refused:
        stranger.balance()
    assert refused.value.code == -2015
    stranger.close()


def test_a_real_exchange_is_never_called_from_a_test():
    from coinex.binance import DEFAULT_BASE_URL, BinanceUsdmClient

    with pytest.raises(ExchangeAuthError, match="refusing"):
        BinanceUsdmClient.create(base_url=DEFAULT_BASE_URL, credentials=None)
