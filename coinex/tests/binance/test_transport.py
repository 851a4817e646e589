"""Clock offset, request-weight budget, 429 and 418 against the loopback server."""

from __future__ import annotations

import httpx
import pytest

from coinex.errors import ExchangeTemporaryError


def test_a_timestamp_refusal_resynchronises_the_clock_and_succeeds(client, binance):
    assert client.balance().equity > 0  # synchronised with the server's clock
    binance.post("clock", skew_ms=30_000)  # the server's clock jumps 30 s ahead: our stamps fall outside recvWindow
    assert client.balance().equity > 0
    state = binance.state()
    assert state["statuses"]["400"] == 1  # exactly one -1021, then the resent request passed
    assert abs(client.transport.offset_ms - 30_000) < 1_000


def test_the_weight_budget_waits_for_the_window_instead_of_earning_a_429(client, binance):
    binance.sandbox.weight_limit, binance.sandbox.weight_window_s = 12, 2
    client.markets()  # reads the server's limits from exchangeInfo (12 per 2 s)
    for _ in range(6):
        client.balance()  # weight 5 each: 30 in all, over two windows
    assert "429" not in binance.state()["statuses"]
    assert client.transport.tracker.waited_s > 0


def test_a_429_stops_all_requests_until_retry_after(client, binance):
    binance.fail(code=-1003, msg="Too many requests; current limit of IP(127.0.0.1) request weight per minute is 2400.",
                 http_status=429, retry_after=30, path="/fapi/v2/account")
    with pytest.raises(ExchangeTemporaryError) as limited:
        client.balance()
    assert limited.value.code == -1003
    sent = sum(binance.state()["requests"].values())
    with pytest.raises(ExchangeTemporaryError, match="not sending"):
        client.positions()
    assert sum(binance.state()["requests"].values()) == sent  # refused here, never sent (no 418 earned)


def test_a_418_ban_is_honoured_for_its_duration(client, binance):
    binance.fail(code=-1003, msg="Way too many requests; IP(127.0.0.1) banned until 1790000000000.",
                 http_status=418, retry_after=120, path="/fapi/v2/account")
    with pytest.raises(ExchangeTemporaryError) as banned:
        client.balance()
    assert banned.value.code == 418 and "banned" in str(banned.value)
    with pytest.raises(ExchangeTemporaryError, match=r"not sending for 1[12][0-9]"):
        client.ticker(symbol="BTCUSDT")


def test_the_server_answers_429_then_bans_a_client_that_ignores_it(binance):
    binance.sandbox.weight_limit = 3
    url = f"{binance.server.base_url}/fapi/v1/ping"
    answers = [httpx.get(url, timeout=5) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 418]
    assert answers[0].headers["X-MBX-USED-WEIGHT-1M"] == "1"
    assert answers[3].json()["code"] == -1003 and int(answers[3].headers["Retry-After"]) > 0
    assert int(answers[4].headers["Retry-After"]) == 120
