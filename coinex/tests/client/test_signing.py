from coinex.client.signing import signature_compute, signature_verify

SECRET = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
BODY = ('{"market":"BTCUSDT","market_type":"FUTURES","side":"buy","type":"limit","amount":"0.0001",'
        '"price":"50000","client_id":"cycle-1"}')
# Computed independently: printf '%s' 'POST/v2/futures/order<body>1700490703564' | openssl dgst -sha256 -hmac SECRET
POST_VECTOR = "beeb268b8b05a818f56b456fe3497c619af3d5a7cc80f7ae024aa14d6e03bbf2"
GET_VECTOR = "2d45aecd206cf49077528e86e4c4060dd6cef1f6ced4f10a0da88dd53b37c062"


def test_post_signature_matches_the_known_vector():
    assert signature_compute(secret_key=SECRET, method="POST", path_with_query="/v2/futures/order", body=BODY,
                             timestamp_ms=1700490703564) == POST_VECTOR


def test_get_signature_covers_the_query_exactly_as_sent():
    path = "/v2/futures/pending-order?market=BTCUSDT&market_type=FUTURES&page=1&limit=10"
    assert signature_compute(secret_key=SECRET, method="get", path_with_query=path, body="",
                             timestamp_ms=1700490703564) == GET_VECTOR
    reordered = "/v2/futures/pending-order?market_type=FUTURES&market=BTCUSDT&page=1&limit=10"
    assert signature_compute(secret_key=SECRET, method="GET", path_with_query=reordered, body="",
                             timestamp_ms=1700490703564) != GET_VECTOR


def test_verify_rejects_a_tampered_body_or_timestamp():
    args = {"secret_key": SECRET, "method": "POST", "path_with_query": "/v2/futures/order"}
    assert signature_verify(**args, body=BODY, timestamp_ms=1700490703564, signature=POST_VECTOR)
    assert not signature_verify(**args, body=BODY.replace("0.0001", "0.0002"), timestamp_ms=1700490703564,
                                signature=POST_VECTOR)
    assert not signature_verify(**args, body=BODY, timestamp_ms=1700490703565, signature=POST_VECTOR)
