"""The live push in Chromium: a page that missed a message converges, and a page left open
on a running platform keeps one socket, with no reconnect and no WS_ERROR."""

from __future__ import annotations

import json
import logging
import time

import pytest

from config import testing
from dashboard.tests.browser.conftest import off_loop
from dashboard.tests.conftest import scan_real_candles
from trader.models import AuditVia
from trader.services.actor import Actor
from trader.services.config import config_update

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SOAK_S = 180


@pytest.fixture
def scanned_committed(transactional_db, klines_dir):
    off_loop(scan_real_candles, klines_dir, ("BTCUSDT", "ETHUSDT"))


def test_a_page_that_missed_a_message_asks_for_a_snapshot_and_shows_the_servers_state(
        scanned_committed, operator_user, logged_in_page):
    page = logged_in_page.page
    requests: list[str] = []
    dropped: list[dict] = []
    drop_next_delta = [False]

    def route(socket) -> None:
        server = socket.connect_to_server()

        def to_server(message) -> None:
            requests.append(json.loads(message).get("request", ""))
            server.send(message)

        def to_page(message) -> None:
            parsed = json.loads(message)
            if drop_next_delta[0] and parsed["event"] == "live.delta":
                drop_next_delta[0] = False
                dropped.append(parsed)
                return
            socket.send(message)

        socket.on_message(to_server)
        server.on_message(to_page)

    page.route_web_socket("**/ws/live/**", route)
    logged_in_page.open("/")
    assert "/ 45" in page.locator(".card[data-symbol=BTCUSDT] .threshold").first.inner_text()
    snapshots_before = requests.count("snapshot")

    drop_next_delta[0] = True
    operator = Actor.for_user(operator_user, via=AuditVia.PAGE)
    off_loop(config_update, changes={"long_threshold": 47}, actor=operator)  # its delta is lost on the way
    for _ in range(100):
        if dropped:
            break
        page.wait_for_timeout(100)
    assert dropped and "BTCUSDT" in dropped[0]["cards"], "the lost message carried the changed cards"
    assert "/ 45" in page.locator(".card[data-symbol=BTCUSDT] .threshold").first.inner_text()

    off_loop(logging.getLogger("trader.cycle").error, "a later event after the lost one")
    page.wait_for_selector(".card[data-symbol=BTCUSDT] .threshold:has-text('/ 47')")
    assert requests.count("snapshot") == snapshots_before + 1, "the gap made the page ask for one snapshot"
    assert "a later event after the lost one" in page.locator("#error-log").inner_text()


@pytest.mark.worker_abandon
def test_the_scanner_left_open_on_a_running_platform_keeps_its_one_socket(
        scanned_committed, operator_user, logged_in_page, celery_beat_process):
    """Three minutes of the platform running (beat fetching and scanning the simulated market)."""
    from config.schedules import schedules_apply

    off_loop(schedules_apply)  # beat now fetches the simulated market every 30 s, and the scans follow
    page = logged_in_page.page
    sockets: list[object] = []
    received: list[int] = []

    def opened(socket) -> None:
        sockets.append(socket)
        socket.on("framereceived", lambda payload: received.append(len(payload)))

    page.on("websocket", opened)
    logged_in_page.open("/")
    started = time.monotonic()
    try:
        while time.monotonic() - started < SOAK_S:
            page.wait_for_timeout(5_000)
            assert page.locator("#ws-status").get_attribute("data-state") == "live", (
                f"the socket went down after {time.monotonic() - started:.0f} s")
    finally:
        # Beat stops with the soak: left running, it keeps chaining fetches and scans, and the
        # teardown that waits for an idle worker would wait for them (a minute).
        testing.stop_process(celery_beat_process.process)
    assert len(sockets) == 1, "no reconnect"
    assert "WS_ERROR" not in page.locator("#error-log").inner_text()
    assert len(received) > 2, "it kept receiving (snapshot, heartbeats, pushes)"
    pill = page.locator("#data-age")
    assert pill.get_attribute("data-since"), "the data-age pill counts from the newest candle received"
    pushed = sum(received[1:])  # after the first snapshot
    print(f"soak: {len(received)} messages, {received[0] / 1024:.1f} KiB snapshot + {pushed / 1024:.1f} KiB pushed "
          f"in {SOAK_S} s")
    assert received[0] + pushed * 600 / SOAK_S < 1_000_000, "a scanner tab gets under 1 MB in 10 minutes"
