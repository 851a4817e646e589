"""The live socket through the real ASGI server and the real Redis channel layer."""

from __future__ import annotations

import json
import logging
import time
from contextlib import ExitStack

import pandas as pd
import pytest
from django.test import Client
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from config import testing
from config.bus.push import push_event
from config.bus.schema import Event, Group
from dashboard.tests.conftest import SCANNED
from ta.tests.analysis_data import END, candles_store

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SEED_KEYS = {"coinData", "positions", "signalHistory", "taSignals", "errors"}
IDLE_S = 35  # longer than every timeout on the way: BZPOPMIN 5 s, Redis read 15 s, uvicorn's ping 20 s


def _headers(user, base_url: str) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}", "Origin": base_url}


def _open(server, user, page: str = "scanner"):
    return connect(f"{server.ws_url}/ws/live/?page={page}", additional_headers=_headers(user, server.base_url),
                   open_timeout=10)


def _receive(socket, event: str, *, timeout_s: float = 15) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["event"] == event:
            return message
    raise AssertionError(f"no {event} message within {timeout_s} s")


def _snapshot(socket) -> dict:
    socket.send(json.dumps({"request": "snapshot"}))
    return _receive(socket, "dashboard.snapshot")


def test_an_anonymous_socket_is_refused(asgi_server):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{asgi_server.ws_url}/ws/live/", additional_headers={"Origin": asgi_server.base_url}, open_timeout=10)
    assert refused.value.response.status_code == 403


def test_the_snapshot_is_the_seed_payload_and_the_pages_regions(transactional_db, klines_dir, operator_user,
                                                               asgi_server, redis_conn):
    from dashboard.tests.conftest import scan_real_candles

    scan_real_candles(klines_dir)
    with _open(asgi_server, operator_user, "scanner") as socket:
        message = _snapshot(socket)
    data = message["data"]
    assert SEED_KEYS <= set(data)
    scanned = {coin["symbol"]: coin for coin in data["coinData"] if coin["status"] == "ok"}
    assert set(scanned) == set(SCANNED)
    assert set(data["taSignals"]["BTCUSDT"]) >= {"ema_ribbon", "ttm_squeeze", "stoch_rsi_divergence"}
    assert data["trader"]["status"]["mode"] == "paused"
    assert 'data-symbol="BTCUSDT"' in message["fragments"]["coin-cards"]
    assert {"header-status", "error-log"} <= set(message["fragments"])
    assert isinstance(message["seq"], int) and message["at"]

    with _open(asgi_server, operator_user, "trader") as socket:
        trader = _snapshot(socket)
    assert {"positions", "account", "trader-controls"} <= set(trader["fragments"])
    assert "coin-cards" not in trader["fragments"], "each page gets its own regions"


def test_a_scan_reaches_50_sockets_from_one_render_and_their_snapshots_are_one_rendering(
        transactional_db, klines_dir, operator_user, asgi_server, redis_conn, monkeypatch):
    from dashboard import live
    from dashboard.tests.conftest import scan_real_candles

    scan_real_candles(klines_dir, end=END - pd.Timedelta(hours=1))
    renders: list[str] = []
    real_render = live.page_render
    monkeypatch.setattr(live, "page_render", lambda *, page, payload: renders.append(page) or
                        real_render(page=page, payload=payload))
    with ExitStack() as stack:
        sockets = [stack.enter_context(_open(asgi_server, operator_user, "scanner")) for _ in range(50)]
        before = [_snapshot(socket)["seq"] for socket in sockets]
        for symbol in SCANNED:  # the market moves on an hour: new prices (a scan of unchanged data sends nothing)
            candles_store(klines_dir, symbol)
        renders.clear()
        from ta.services.analysis import analysis_scan

        analysis_scan(symbols=list(SCANNED))  # the producer: store, then push the scan
        deltas = [socket.recv(timeout=15) for socket in sockets]
        snapshots = [(socket.send(json.dumps({"request": "snapshot"})), socket.recv(timeout=15))[1]
                     for socket in sockets]
    assert renders == ["scanner"], "the scan renders the scanner once, whatever the number of sockets"
    assert len(set(deltas)) == 1, "every socket gets the same finished text"
    delta = json.loads(deltas[0])
    assert delta["event"] == "live.delta" and delta["cause"] == "scan.update"
    assert set(delta["cards"]) | set(delta["values"]) == set(SCANNED), "every coin's new price reaches the board"
    assert delta["seq"] > max(before)
    assert len(set(snapshots)) == 1, "one cached rendering (same render time) for every socket's snapshot"
    assert json.loads(snapshots[0])["seq"] == delta["seq"]


def test_an_idle_socket_stays_open_past_every_timeout_and_still_receives(transactional_db, operator_user,
                                                                          asgi_server, redis_conn):
    with _open(asgi_server, operator_user, "trader") as socket:
        first = _snapshot(socket)
        time.sleep(IDLE_S)  # nothing sent by this client (it answers the server's pings)
        socket.send(json.dumps({"request": "ping"}))
        pong = _receive(socket, "live.pong", timeout_s=5)
        logging.getLogger("trader.cycle").error("still there after a quiet spell")
        deadline = time.monotonic() + 10
        while True:  # other processes may push to the page meanwhile: find this test's entry
            delta = _receive(socket, "live.delta", timeout_s=max(0.1, deadline - time.monotonic()))
            if "still there after a quiet spell" in delta["fragments"].get("error-log", ""):
                break
    assert pong["epoch"] == first["epoch"] and pong["seq"] >= first["seq"]
    assert delta["seq"] > pong["seq"]
    log = asgi_server.log()
    assert "TimeoutError" not in log and "Traceback" not in log


def test_a_ping_shows_a_socket_that_missed_a_message_the_newer_sequence(transactional_db, operator_user,
                                                                        asgi_server, redis_conn):
    with _open(asgi_server, operator_user, "symbol") as socket:
        seq = _snapshot(socket)["seq"]
    logging.getLogger("trader.cycle").error("sent while the page was away")  # this socket never sees it
    with _open(asgi_server, operator_user, "symbol") as socket:
        socket.send(json.dumps({"request": "ping"}))
        assert _receive(socket, "live.pong")["seq"] > seq, "the page learns it missed something"


def test_junk_from_the_browser_is_ignored_and_the_socket_keeps_working(transactional_db, operator_user,
                                                                       asgi_server, redis_conn):
    with _open(asgi_server, operator_user, "scanner") as socket:
        socket.send(b"\x00\x01binary frame")
        socket.send("[" * 100_000 + "]" * 100_000)
        socket.send("{not json")
        socket.send(json.dumps({"request": "delete everything"}))
        socket.send(json.dumps({"request": "snapshot", "padding": "x" * 50_000}))
        message = _snapshot(socket)
    assert message["event"] == "dashboard.snapshot"
    assert "Traceback" not in asgi_server.log()


def test_an_echo_reaches_every_page(transactional_db, operator_user, asgi_server, redis_conn):
    with _open(asgi_server, operator_user, "settings") as socket:
        _snapshot(socket)
        assert push_event(group=Group.SYSTEM, event=Event.ECHO, payload={"token": "t-1"})
        message = _receive(socket, "system.echo")
    assert message["data"] == {"token": "t-1"} and message["seq"] >= 1


def test_with_the_channel_layer_down_a_handshake_is_closed_with_1013_and_logged_once(transactional_db,
                                                                                   operator_user):
    from pathlib import Path

    from django.conf import settings

    dead_redis = f"redis://127.0.0.1:{testing.closed_port()}/0"
    port = testing.free_port()
    log_path = Path(settings.VAR_DIR) / "test-logs" / "asgi-redis-down.log"
    process = testing.start_process(
        testing.python_argv("-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)),
        env=testing.service_environment(REDIS_URL=dead_redis), log_path=log_path)
    try:
        testing.wait_until(lambda: testing.port_open(port), timeout_s=60, what="ASGI server without Redis")
        base_url = f"http://127.0.0.1:{port}"
        codes = []
        for _ in range(5):
            with connect(f"ws://127.0.0.1:{port}/ws/live/?page=scanner", additional_headers=_headers(
                    operator_user, base_url), open_timeout=10) as socket:
                with pytest.raises(ConnectionClosed) as closed:
                    socket.recv(timeout=10)
                codes.append(closed.value.rcvd.code)
    finally:
        testing.stop_process(process)
    assert codes == [1013] * 5
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log
    assert log.count("Redis unreachable") == 1, log[-2000:]


def test_after_redis_lost_its_state_a_ping_shows_the_new_epoch_and_the_socket_receives_again(
        transactional_db, operator_user, asgi_server, redis_conn):
    with _open(asgi_server, operator_user, "settings") as socket:
        before = _snapshot(socket)
        redis_conn.flushdb()  # what a Redis restart without persistence leaves: no counters, no groups
        socket.send(json.dumps({"request": "ping"}))
        pong = _receive(socket, "live.pong")
        logging.getLogger("trader.cycle").error("after the reset")
        delta = _receive(socket, "live.delta")
    assert pong["epoch"] != before["epoch"], "the page learns that the numbers began again"
    assert delta["epoch"] == pong["epoch"] and "after the reset" in delta["fragments"]["error-log"]
