"""HTTP through Django's WSGI handler, inside the ASGI server (``config.asgi``).

Every view of the platform is synchronous. Under Django's ASGI handler each request
hops between the event loop and a thread once per middleware and again for the view
(asgiref's sync_to_async), in a new thread per request: about 4 ms of CPU for a view
doing one query on this machine, so two processes could not serve 200 req/s. Here the
whole request (middleware, view, the database) runs in one go on a thread of a bounded
pool, as under a WSGI server, and the event loop only reads the request and writes the
answer. WebSockets stay with Channels. Django's request_started/request_finished
signals fire as under any WSGI server, so connections go back to the pool after each
request.

Responses are buffered (the platform has no streaming response); request bodies above
``MAX_BODY_BYTES`` are refused with 413 before Django sees them.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.handlers.wsgi import WSGIHandler

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024


class _Response:
    status = 500
    headers: list[tuple[bytes, bytes]]

    def __init__(self) -> None:
        self.headers = []

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info=None):
        self.status = int(status.split(" ", 1)[0])
        self.headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        return lambda data: None  # the legacy write() callable: Django never uses it


def _environ(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an ASGI HTTP scope."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] or 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name == "CONTENT_TYPE" or name == "CONTENT_LENGTH":
            key = name
        else:
            key = f"HTTP_{name}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    # The body is read whole before Django runs: its length is known even when it came chunked
    # (no Content-Length), and Django must see it (a no-body action refuses a chunked garbage body).
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ


async def _too_large(scope: dict[str, Any], send) -> None:
    """413 before Django runs, in the same shape as Django's own refusal (the API's error body under /api/)."""
    import json

    from trader.api.errors import error_body
    from trader.api.middleware import API_PREFIX

    message = f"request body too large: at most {MAX_BODY_BYTES} bytes"
    if scope["path"].startswith(API_PREFIX):
        content = json.dumps(error_body(status_code=413, code="payload_too_large", message=message)).encode()
        content_type = b"application/json"
    else:
        content, content_type = message.encode(), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})


class WsgiHttpApp:
    """ASGI app for ``http`` scopes running Django's ``WSGIHandler`` on ``threads`` threads."""

    def __init__(self, *, threads: int) -> None:
        self.handler = WSGIHandler()
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    def _run(self, environ: dict[str, Any]) -> tuple[_Response, bytes]:
        response = _Response()
        chunks = self.handler(environ, response.start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # fires request_finished: the database connection goes back to the pool
        return response, body

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"WsgiHttpApp serves http, not {scope['type']}")
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                await _too_large(scope, send)
                return
            if not message.get("more_body", False):
                break
        loop = asyncio.get_running_loop()
        response, content = await loop.run_in_executor(self.executor, self._run, _environ(scope, bytes(body)))
        await send({"type": "http.response.start", "status": response.status, "headers": response.headers})
        await send({"type": "http.response.body", "body": content})
