"""Each error class as the client raises it, from answers the loopback server really sends."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinex.client import ApiCredentials, CoinExClient, CoinExTransport
from coinex.client.ratelimit import RateGroup, buckets_create
from coinex.dto import OrderSide, OrderType
from coinex.errors import ExchangeAuthError, ExchangeTemporaryError, OrderRejected
from coinex.tests.conftest import ACCESS_ID, SECRET_KEY

ORDER_PATH = "/v2/futures/order"


def place(client: CoinExClient, amount: str = "0.01", client_id: str = "err-1"):
    return client.order_place(symbol="BTCUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal(amount),
                              client_id=client_id)


@pytest.mark.parametrize("code", [3008, 4001, 4002, 4213])
def test_busy_answers_are_temporary_and_place_nothing(client, sandbox, code):
    sandbox.fail(code=code, message="Service busy", path=ORDER_PATH)
    with pytest.raises(ExchangeTemporaryError) as caught:
        place(client)
    assert caught.value.code == code
    assert client.positions() == []


def test_funding_settlement_window_is_temporary(client, sandbox):
    sandbox.fail(code=3999, message="Funding fee settlement, please try again later", path=ORDER_PATH)
    with pytest.raises(ExchangeTemporaryError):
        place(client)


def test_gateway_502_with_an_html_body_is_temporary(client, sandbox):
    sandbox.fail(http_status=502, path=ORDER_PATH)
    with pytest.raises(ExchangeTemporaryError) as caught:
        place(client)
    assert "502" in str(caught.value)


def test_reads_retry_a_temporary_failure_then_succeed(client, sandbox):
    sandbox.fail(http_status=502, path="/v2/assets/futures/balance", count=2)
    assert client.balance().equity == Decimal("10000")


def test_insufficient_balance_is_a_rejection_with_the_exchange_message(client, sandbox):
    sandbox.price("BTCUSDT", "50000")
    with pytest.raises(OrderRejected) as caught:
        place(client, amount="1")  # 50,000 USDT notional / 3x = 16,667 margin > 10,000
    assert caught.value.code == 3109 and "insufficient balance" in caught.value.message


def test_below_minimum_amount_is_rejected(client):
    with pytest.raises(OrderRejected) as caught:
        client.order_place(symbol="ETHUSDT", side=OrderSide.BUY, type=OrderType.MARKET, amount=Decimal("0.001"),
                           client_id="tiny")
    assert caught.value.code == 3127


def test_price_deviation_is_rejected(client, sandbox):
    sandbox.fail(code=3616, message="The order price deviates too much from the mark price", path=ORDER_PATH)
    with pytest.raises(OrderRejected) as caught:
        place(client)
    assert caught.value.message == "The order price deviates too much from the mark price"


def test_an_invalid_client_id_is_rejected_before_sending(client, sandbox):
    with pytest.raises(OrderRejected, match="client id"):
        place(client, client_id="cycle 12/BTCUSDT")
    assert sandbox.state()["order_requests"] == {}


def test_bad_parameter_is_rejected(client):
    with pytest.raises(OrderRejected) as caught:
        client.position_stop_loss_set(symbol="BTCUSDT", price=Decimal("1"))  # no position
    assert caught.value.code == 4004


def test_wrong_secret_is_an_auth_error(sandbox):
    wrong = CoinExClient.create(base_url=sandbox.server.base_url, credentials=ApiCredentials(ACCESS_ID, "wrong"))
    with pytest.raises(ExchangeAuthError) as caught:
        wrong.balance()
    assert caught.value.code == 4006


def test_unknown_access_id_is_an_auth_error(sandbox):
    stranger = CoinExClient.create(base_url=sandbox.server.base_url, credentials=ApiCredentials("OTHER", SECRET_KEY))
    with pytest.raises(ExchangeAuthError) as caught:
        stranger.balance()
    assert caught.value.code == 4005


@pytest.mark.parametrize("code", [4007, 4017])
def test_forbidden_ip_and_other_auth_codes_stop_trading(client, sandbox, code):
    sandbox.fail(code=code, message="IP prohibited", path=ORDER_PATH)
    with pytest.raises(ExchangeAuthError):
        place(client)


def test_a_test_run_can_never_reach_the_real_exchange():
    with pytest.raises(ExchangeAuthError, match="refusing"):
        CoinExClient.create(base_url="https://api.coinex.com/v2", credentials=ApiCredentials(ACCESS_ID, SECRET_KEY))


def test_an_unreachable_exchange_is_temporary():
    from config.testing import closed_port

    nowhere = CoinExClient.create(base_url=f"http://127.0.0.1:{closed_port()}/v2",
                                  credentials=ApiCredentials(ACCESS_ID, SECRET_KEY), timeout_s=1)
    with pytest.raises(ExchangeTemporaryError):
        nowhere.ticker(symbol="BTCUSDT")


def test_timeout_after_the_order_reached_the_exchange_is_not_sent_twice(sandbox):
    impatient = CoinExClient.create(base_url=sandbox.server.base_url,
                                    credentials=ApiCredentials(ACCESS_ID, SECRET_KEY), timeout_s=0.5,
                                    request_window_ms=1000)
    impatient.markets()
    sandbox.post("latency", seconds=1.2, path=ORDER_PATH, phase="after")
    order = place(impatient, client_id="slow-1")
    assert order.client_id == "slow-1"
    assert sandbox.state()["order_requests"] == {"order:slow-1": 1}
    (position,) = impatient.positions()
    assert position.amount == Decimal("0.01")


def test_timeout_before_the_order_reached_the_exchange_is_sent_once_more(sandbox):
    impatient = CoinExClient.create(base_url=sandbox.server.base_url,
                                    credentials=ApiCredentials(ACCESS_ID, SECRET_KEY), timeout_s=0.3,
                                    request_window_ms=1000)
    impatient.markets()
    sandbox.post("latency", seconds=0.8, path=ORDER_PATH, phase="before", drop=True)  # lost at the gateway
    order = place(impatient, client_id="lost-1")
    assert order.client_id == "lost-1"
    assert sandbox.state()["order_requests"] == {"order:lost-1": 1}
    assert impatient.position(symbol="BTCUSDT").amount == Decimal("0.01")


def test_the_sandbox_answers_4213_past_its_rate_and_client_buckets_prevent_it(sandbox):
    sandbox.server.exchange.rate_limits_set({RateGroup.ACCOUNT: 10}, clock=lambda: 0.0)  # 10, never refilled
    unlimited = CoinExTransport(base_url=sandbox.server.base_url, credentials=ApiCredentials(ACCESS_ID, SECRET_KEY),
                                buckets={})
    with pytest.raises(ExchangeTemporaryError) as caught:
        for _ in range(30):
            unlimited._send("GET", "/assets/futures/balance", params=None, body=None, signed=True,
                            group=RateGroup.ACCOUNT)
    assert caught.value.code == 4213

    sandbox.post("reset", balance="10000")
    sandbox.server.exchange.rate_limits_set({RateGroup.ACCOUNT: 12})  # a margin for network jitter
    limited = CoinExClient(transport=CoinExTransport(
        base_url=sandbox.server.base_url, credentials=ApiCredentials(ACCESS_ID, SECRET_KEY),
        buckets=buckets_create({RateGroup.ACCOUNT: 10})))
    assert all(limited.balance().equity == Decimal("10000") for _ in range(15))
