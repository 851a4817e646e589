"""The live socket through the real ASGI server and the real Redis channel layer."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from config.bus.push import push_event
from config.bus.schema import Event, Group
from dashboard.tests.conftest import SCANNED

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SEED_KEYS = {"coinData", "positions", "signalHistory", "taSignals", "errors"}


def _headers(user, asgi_server) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}", "Origin": asgi_server.base_url}


def _receive(socket, event: str) -> dict:
    for _ in range(20):
        message = json.loads(socket.recv(timeout=15))
        if message["event"] == event:
            return message
    raise AssertionError(f"no {event} message")


def test_an_anonymous_socket_is_refused(asgi_server):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{asgi_server.ws_url}/ws/live/", additional_headers={"Origin": asgi_server.base_url}, open_timeout=10)
    assert refused.value.response.status_code == 403


def test_a_snapshot_request_answers_the_seed_payload_and_the_page_regions(transactional_db, klines_dir,
                                                                           operator_user, asgi_server):
    from dashboard.tests.conftest import scan_real_candles

    scan_real_candles(klines_dir)
    with connect(f"{asgi_server.ws_url}/ws/live/", additional_headers=_headers(operator_user, asgi_server),
                 open_timeout=10) as socket:
        socket.send(json.dumps({"request": "snapshot", "page": "scanner"}))
        message = _receive(socket, "dashboard.snapshot")
    data = message["data"]
    assert SEED_KEYS <= set(data)
    scanned = {coin["symbol"]: coin for coin in data["coinData"] if coin["status"] == "ok"}
    assert set(scanned) == set(SCANNED)
    assert set(data["taSignals"]["BTCUSDT"]) >= {"ema_ribbon", "ttm_squeeze", "stoch_rsi_divergence"}
    assert data["trader"]["status"]["mode"] == "paused"
    assert 'data-symbol="BTCUSDT"' in message["fragments"]["coin-cards"]
    assert "header-status" in message["fragments"] and "error-log" in message["fragments"]


def test_a_scan_push_is_forwarded_and_other_requests_are_ignored(transactional_db, operator_user, asgi_server):
    with connect(f"{asgi_server.ws_url}/ws/live/", additional_headers=_headers(operator_user, asgi_server),
                 open_timeout=10) as socket:
        socket.send(json.dumps({"request": "delete everything"}))
        socket.send("{not json")
        assert push_event(group=Group.DASHBOARD, event=Event.SCAN, payload={"timestamp": "t", "results": []})
        message = json.loads(socket.recv(timeout=15))
    assert message == {"event": "scan.update", "data": {"timestamp": "t", "results": []}}
