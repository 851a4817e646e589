"""Several web processes share the Redis channel layer: a pushed event reaches the open
pages on every process, not only on the one that happens to share memory with the producer."""

import json
import secrets
import time
from contextlib import ExitStack

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from websockets.sync.client import connect

from config import testing
from config.bus.push import push_event
from config.bus.schema import Event, Group

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _session_cookie() -> str:
    user = get_user_model().objects.create_user("ws-two-processes", password=secrets.token_urlsafe(12))
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def _echo_received(socket, token: str, *, timeout_s: float) -> bool:
    """True when an echo carrying ``token`` arrives (other messages, such as a snapshot on
    connect, and extra fields are skipped)."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(socket.recv(timeout=left))
        except TimeoutError:
            return False
        data = message.get("data") if isinstance(message, dict) else None
        if message.get("event") == Event.ECHO and isinstance(data, dict) and data.get("token") == token:
            return True
    return False


def test_an_event_pushed_once_reaches_sockets_on_two_web_processes():
    cookie = _session_cookie()
    with ExitStack() as stack:
        ports = [stack.enter_context(testing.web_tier(workers=1, log_name=f"web-{n}")) for n in (1, 2)]
        sockets = []
        for port in ports:
            headers = {"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"}
            sockets.append(stack.enter_context(
                connect(f"ws://127.0.0.1:{port}/ws/live/", additional_headers=headers, open_timeout=15)))
        token = secrets.token_hex(6)
        assert push_event(group=Group.SYSTEM, event=Event.ECHO, payload={"token": token}) is True
        received = [_echo_received(socket, token, timeout_s=10) for socket in sockets]
    assert received == [True, True], f"the event reached the sockets on process 1, 2: {received}"
