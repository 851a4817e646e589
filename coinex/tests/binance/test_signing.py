"""Signing against the example of Binance's USD-M "SIGNED Endpoint Examples" (HMAC keys)."""

from coinex.binance.signing import signature_compute, signature_verify

# Binance USD-M futures docs, "Example 1: As a query string" (the documented example key pair).
DOC_SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
DOC_PARAMS = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000" \
             "&timestamp=1591702613943"
DOC_SIGNATURE = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"


def test_signature_matches_the_documented_example():
    assert signature_compute(secret_key=DOC_SECRET, total_params=DOC_PARAMS) == DOC_SIGNATURE


def test_verify_refuses_a_changed_parameter_or_key():
    assert signature_verify(secret_key=DOC_SECRET, total_params=DOC_PARAMS, signature=DOC_SIGNATURE.upper())
    assert not signature_verify(secret_key=DOC_SECRET, total_params=DOC_PARAMS.replace("9000", "9001"),
                                signature=DOC_SIGNATURE)
    assert not signature_verify(secret_key=DOC_SECRET[:-1] + "0", total_params=DOC_PARAMS, signature=DOC_SIGNATURE)


def test_the_server_refuses_a_request_signed_with_another_secret(binance):
    import pytest

    from coinex.errors import ExchangeAuthError
    from coinex.tests.binance.conftest import client_create

    forged = client_create(binance, secret_key="not-the-secret")
    with pytest.raises(ExchangeAuthError) as refused:
        forged.balance()
    assert refused.value.code == -1022
    forged.close()
