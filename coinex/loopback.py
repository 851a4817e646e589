"""The lifecycle the loopback venue servers share (coinex/sandbox, coinex/sandbox_binance).

:class:`LoopbackHttpServer` runs a ``ThreadingHTTPServer`` in a daemon thread (tests) or in
the caller's thread (the ``*_sandbox`` management commands); :class:`LoopbackStreamServer`
runs a WebSocket server in a daemon thread, keeps its subscribers, and lets a test drop
every connection or mute the frames. The venue's own protocol lives in the subclasses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any, Self

from websockets.sync.server import ServerConnection, serve


class LoopbackHttpServer:
    """``server`` served in a background thread (:meth:`start`) or in this one (:meth:`serve_forever`)."""

    thread_name = "loopback-http"

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Self:
        """Start serving in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the management command); closes the socket after."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LoopbackStreamServer:
    """A WebSocket server on ``host:port`` (0 = a free port) in a background thread, registered as
    a listener of ``sandbox`` (whose HTTP side calls :meth:`publish` after every request).

    Subclasses implement ``_handle(connection)`` (adding their subscriber objects, which have a
    ``connection``, to ``_subscribers`` under ``_lock``) and ``publish()``.
    """

    thread_name = "loopback-streams"

    def __init__(self, *, sandbox: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        handler: Callable[[ServerConnection], None] = self._handle
        self._server = serve(handler, host, port, compression=None)
        self._subscribers: list[Any] = []
        self._lock = threading.RLock()
        self.muted = False
        self._thread: threading.Thread | None = None
        sandbox.listeners.append(self)

    @property
    def address(self) -> str:
        """``ws://host:port`` (a subclass adds the venue's path)."""
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}"

    def _handle(self, connection: ServerConnection) -> None:
        raise NotImplementedError

    def publish(self) -> None:
        """Send each subscriber what changed since its last frame."""
        raise NotImplementedError

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self in self.sandbox.listeners:
            self.sandbox.listeners.remove(self)
        self.control(drop=True, mute=None)
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def control(self, *, drop: bool, mute: bool | None) -> None:
        """Close every connection (``drop``) and/or stop or resume sending (``mute``)."""
        if mute is not None:
            self.muted = bool(mute)
        if drop:
            with self._lock:
                subscribers, self._subscribers = self._subscribers, []
            for subscriber in subscribers:
                subscriber.connection.close(code=1001, reason="going away")

    def _forget(self, subscriber: Any) -> None:
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)
