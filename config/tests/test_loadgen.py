"""The load generator behind bench/api_load.py and the serving load test counts what a client saw."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config.loadgen import load_closed_loop, load_open_loop


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    served = 0

    def do_GET(self) -> None:
        type(self).served += 1
        status = 500 if self.path == "/broken" else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        # Every third answer, drop the kept connection without saying so (as a server's
        # keep-alive timeout does): the client's next request on it must go elsewhere.
        if type(self).served % 3 == 0:
            self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_dropped_keep_alive_connections_are_not_counted_as_failures(server):
    result = load_closed_loop(base_url=server, paths=["/a", "/b"], clients=4, duration_s=1.0)
    assert result.answered > 20
    assert result.errors == 0, (result.statuses, result.failures)


def test_every_non_2xx_answer_and_every_unanswered_request_is_an_error(server):
    result = load_open_loop(base_url=server, paths=["/ok", "/broken"], rate=40, duration_s=0.5)
    assert result.statuses[500] == result.statuses[200] == 10
    assert result.errors == 10
    refused = load_open_loop(base_url="http://127.0.0.1:9", paths=["/"], rate=10, duration_s=0.3, timeout_s=1)
    assert refused.answered == 0 and sum(refused.failures.values()) == 3


def test_load_is_only_sent_to_loopback():
    with pytest.raises(ValueError, match="loopback"):
        load_open_loop(base_url="http://example.com", paths=["/"], rate=1, duration_s=0.1)
