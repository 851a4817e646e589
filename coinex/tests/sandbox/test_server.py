"""The sandbox as a raw HTTP peer: documented shapes and checks, independent of our client."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from coinex.client.ratelimit import RateGroup
from coinex.client.signing import signature_compute
from coinex.tests.conftest import ACCESS_ID, SECRET_KEY

_http = httpx.Client(timeout=5)  # one pooled connection: fast enough to outrun the rate limit


def signed(sandbox, method: str, path: str, body: dict | None = None, *, secret: str = SECRET_KEY,
           timestamp_ms: int | None = None) -> dict:
    raw = json.dumps(body) if body is not None else ""
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    base = sandbox.server.base_url.removesuffix("/v2")
    headers = {
        "X-COINEX-KEY": ACCESS_ID,
        "X-COINEX-TIMESTAMP": str(timestamp_ms),
        "X-COINEX-SIGN": signature_compute(secret_key=secret, method=method, path_with_query=path, body=raw,
                                           timestamp_ms=timestamp_ms),
        "Content-Type": "application/json",
    }
    return _http.request(method, base + path, content=raw or None, headers=headers).json()


def order_body(**overrides) -> dict:
    return {"market": "BTCUSDT", "market_type": "FUTURES", "side": "buy", "type": "market", "amount": "0.001",
            "client_id": "raw-1", **overrides}


def test_public_market_list_has_the_documented_fields(sandbox):
    payload = httpx.get(f"{sandbox.server.base_url}/futures/market?market=BTCUSDT", timeout=5).json()
    assert payload["code"] == 0 and payload["message"] == "OK"
    (market,) = payload["data"]
    assert {"market", "min_amount", "base_ccy_precision", "quote_ccy_precision", "leverage", "taker_fee_rate",
            "maker_fee_rate"} <= set(market)
    assert market["min_amount"] == "0.0001" and isinstance(market["leverage"], list)


def test_private_calls_need_a_valid_signature(sandbox):
    assert signed(sandbox, "GET", "/v2/assets/futures/balance")["code"] == 0
    assert signed(sandbox, "GET", "/v2/assets/futures/balance", secret="nope")["code"] == 4006


def test_requests_outside_the_time_window_are_expired(sandbox):
    stale = int(time.time() * 1000) - 60_000
    assert signed(sandbox, "GET", "/v2/assets/futures/balance", timestamp_ms=stale)["code"] == 4010


def test_private_order_calls_need_market_type_futures(sandbox):
    answer = signed(sandbox, "POST", "/v2/futures/order", order_body(market_type="SPOT"))
    assert answer["code"] == 4004


@pytest.mark.parametrize(("amount", "code"), [("0.00001", 4004), ("0.00005", 4004), (0.001, 4004)])
def test_amount_precision_and_type_are_enforced(sandbox, amount, code):
    assert signed(sandbox, "POST", "/v2/futures/order", order_body(amount=amount))["code"] == code


def test_client_ids_follow_coinex_rules(sandbox):
    assert signed(sandbox, "POST", "/v2/futures/order", order_body(client_id="has space"))["code"] == 4004
    assert signed(sandbox, "POST", "/v2/futures/order", order_body(client_id="x" * 33))["code"] == 4004


def test_below_minimum_amount(sandbox):
    body = order_body(market="ETHUSDT", amount="0.001")
    assert signed(sandbox, "POST", "/v2/futures/order", body)["code"] == 3127


def test_an_order_answer_has_the_documented_fields(sandbox):
    answer = signed(sandbox, "POST", "/v2/futures/order", order_body())
    assert answer["code"] == 0
    assert {"order_id", "market", "side", "type", "amount", "price", "filled_amount", "filled_value", "client_id",
            "fee", "created_at", "updated_at"} <= set(answer["data"])


def test_list_endpoints_are_paginated(sandbox):
    signed(sandbox, "POST", "/v2/futures/order", order_body())
    answer = signed(sandbox, "GET", "/v2/futures/pending-position?market_type=FUTURES&page=1&limit=10")
    assert answer["pagination"] == {"has_next": False}
    (position,) = answer["data"]
    assert position["side"] == "long" and position["open_interest"] == "0.001"


def test_the_order_group_is_rate_limited(sandbox_server, sandbox):
    sandbox_server.exchange.rate_limits_set({RateGroup.ORDER: 20}, clock=lambda: 0.0)  # a burst of 20, no refill
    codes = [signed(sandbox, "POST", "/v2/futures/order", order_body(side="buy" if i % 2 else "sell"))["code"]
             for i in range(21)]
    assert codes == [0] * 20 + [4213]


def test_injected_latency_and_clock_skew(sandbox):
    sandbox.post("clock", skew_ms=30_000)
    server_ms = httpx.get(f"{sandbox.server.base_url}/time", timeout=5).json()["data"]["timestamp"]
    assert server_ms - time.time() * 1000 > 25_000
    sandbox.post("latency", seconds=0.3, path="/v2/time")
    started = time.monotonic()
    httpx.get(f"{sandbox.server.base_url}/time", timeout=5)
    assert time.monotonic() - started >= 0.3


def test_gateway_failure_is_an_html_page(sandbox):
    sandbox.fail(http_status=502)
    response = httpx.get(f"{sandbox.server.base_url}/futures/ticker", timeout=5)
    assert response.status_code == 502 and response.text.startswith("<html>")


def test_price_moves_fire_position_stop_loss(sandbox):
    sandbox.price("BTCUSDT", "50000")
    signed(sandbox, "POST", "/v2/futures/order", order_body(amount="0.01"))
    answer = signed(sandbox, "POST", "/v2/futures/set-position-stop-loss",
                    {"market": "BTCUSDT", "market_type": "FUTURES", "stop_loss_type": "mark_price",
                     "stop_loss_price": "49000"})
    assert answer["code"] == 0 and answer["data"]["stop_loss_price"] == "49000"
    assert len(sandbox.price("BTCUSDT", "48999")) == 1
    assert sandbox.state()["positions"] == []


def test_funding_settlement_hook(sandbox):
    sandbox.price("BTCUSDT", "50000")
    signed(sandbox, "POST", "/v2/futures/order", order_body(amount="0.01"))
    assert sandbox.post("funding", market="BTCUSDT", rate="0.001", settle=True)["settled"] == "-0.50000000"
