import pytest

from coinex.client.codes import error_for_code
from coinex.errors import ExchangeAuthError, ExchangeTemporaryError, OrderNotFound, OrderRejected


@pytest.mark.parametrize("code", [3008, 4001, 4002, 4213])
def test_busy_and_rate_limit_codes_are_retryable(code):
    error = error_for_code(code, "service busy")
    assert isinstance(error, ExchangeTemporaryError)
    assert error.code == code


def test_funding_fee_settlement_is_retryable_whatever_the_code():
    assert isinstance(error_for_code(3999, "Funding fee settlement in progress"), ExchangeTemporaryError)


@pytest.mark.parametrize("code", [3109, 3127, 3601, 3616, 3639, 4004])
def test_order_problems_are_rejections_with_the_exchange_message(code):
    error = error_for_code(code, "insufficient balance")
    assert isinstance(error, OrderRejected)
    assert error.message == "insufficient balance"


@pytest.mark.parametrize("code", [4005, 4006, 4007, 4010, 4017])
def test_credential_problems_stop_trading(code):
    assert isinstance(error_for_code(code, "signature error"), ExchangeAuthError)


def test_unknown_order_is_its_own_error():
    assert isinstance(error_for_code(3600, "order not found"), OrderNotFound)
