"""uvicorn's HTTP/1.1 protocol with TCP_NODELAY on every connection (``--http`` in
``config.runner.web_argv``).

With ``--workers``, uvicorn binds the listening socket itself, without naming the TCP
protocol, and asyncio then skips the TCP_NODELAY it sets on accepted connections. Django
answers in two writes (headers, then body), so on a keep-alive connection the body
waited for the client's delayed ACK: every request after a connection's first took
40 ms more (measured with bench/api_load.py: floor p50 46 ms instead of 4 ms).

The protocol is uvicorn's httptools one (the C parser uvicorn[standard] installs); the
pure-Python h11 one spent about a millisecond of CPU more per request (bench/api_load.py,
"cpu ms/req"), which at 200 requests a second is a tenth of a core.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that turns Nagle's algorithm off for its TCP connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

