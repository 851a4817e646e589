"""WebSockets through the real ASGI server and the real Redis channel layer."""

import json
import secrets

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from config.bus.push import push_event
from config.bus.schema import Event, Group

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _session_cookie() -> str:
    user = get_user_model().objects.create_user("ws-operator", password=secrets.token_urlsafe(12))
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_logged_in_socket_receives_a_pushed_event(asgi_server):
    headers = {"Cookie": _session_cookie(), "Origin": asgi_server.base_url}
    with connect(f"{asgi_server.ws_url}/ws/live/", additional_headers=headers, open_timeout=10) as socket:
        token = secrets.token_hex(6)
        assert push_event(group=Group.SYSTEM, event=Event.ECHO, payload={"token": token}) is True
        message = json.loads(socket.recv(timeout=10))
    assert message["event"] == "system.echo" and message["data"] == {"token": token}
    assert isinstance(message["seq"], int), "every live message carries its page's sequence number"


def test_anonymous_socket_is_refused(asgi_server):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{asgi_server.ws_url}/ws/live/", additional_headers={"Origin": asgi_server.base_url}, open_timeout=10)
    assert refused.value.response.status_code == 403


def test_socket_from_a_foreign_origin_is_refused(asgi_server):
    headers = {"Cookie": _session_cookie(), "Origin": "https://evil.example"}
    with pytest.raises(InvalidStatus):
        connect(f"{asgi_server.ws_url}/ws/live/", additional_headers=headers, open_timeout=10)
