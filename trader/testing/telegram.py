"""A loopback Telegram Bot API server: ``POST /bot<token>/sendMessage`` as documented.

Answers like Telegram: ``{"ok": true, "result": <Message>}``, or for a wrong token
401 ``{"ok": false, "error_code": 401, "description": "Unauthorized"}``, and 400
``Bad Request: chat not found`` / ``message text is empty``. Received messages are kept
for the test to read.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TelegramStub:
    """Start with ``with TelegramStub(token, chat_id) as stub:``; ``stub.url`` is the API base."""

    def __init__(self, *, token: str, chat_id: str) -> None:
        self.token = token
        self.chat_id = chat_id
        self.messages: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> TelegramStub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, *, timeout_s: float = 10) -> list[dict]:
        """The received messages once there are ``count`` of them (``TimeoutError`` otherwise)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return list(self.messages)
            time.sleep(0.05)
        raise TimeoutError(f"{len(self.messages)} of {count} Telegram message(s) arrived")

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    payload = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    return self._answer(400, {"ok": False, "error_code": 400,
                                              "description": "Bad Request: invalid JSON"})
                if self.path != f"/bot{stub.token}/sendMessage":
                    return self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                if str(payload.get("chat_id")) != stub.chat_id:
                    return self._answer(400, {"ok": False, "error_code": 400,
                                              "description": "Bad Request: chat not found"})
                if not payload.get("text"):
                    return self._answer(400, {"ok": False, "error_code": 400,
                                              "description": "Bad Request: message text is empty"})
                message = {"message_id": len(stub.messages) + 1, "date": int(time.time()),
                           "chat": {"id": int(stub.chat_id), "type": "private"}, "text": payload["text"]}
                stub.messages.append(message)
                return self._answer(200, {"ok": True, "result": message})

        return Handler
