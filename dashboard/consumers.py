"""WebSocket consumers. They authenticate and forward; they render nothing per message.

A page connects to ``/ws/live/?page=<name>`` and joins its page's group. Producers send
finished message text to that group (``dashboard.live``); the consumer forwards it as it
is. The page asks for ``{"request": "snapshot"}`` on (re)connect and after a gap in the
sequence numbers (or a new epoch: Redis restarted), and is answered with the page's cached
snapshot (one rendering shared by every socket of the page); ``{"request": "ping"}`` is answered with ``live.pong`` and
the page's current epoch and sequence number, so a page whose last message was lost notices.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs

import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from config.bus.client import outage
from config.bus.schema import Event, group_live_page
from dashboard.live import live_page, live_position, live_snapshot_cached, live_snapshot_text

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455: the server cannot serve the socket now (the channel layer is down)
REQUEST_SNAPSHOT = "snapshot"
REQUEST_PING = "ping"
MAX_REQUEST_CHARS = 1024  # the page only ever sends small requests; anything larger is ignored unread
GROUP_REJOIN_S = 3600  # channels-redis forgets group members after group_expiry (1 day): renew well before

_render_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)


class LiveConsumer(AsyncWebsocketConsumer):
    """The browser's one socket: joins its page's live group and forwards what is sent there."""

    async def __call__(self, scope, receive, send) -> None:
        """A lost channel layer (Redis down) closes the socket with 1013, logged once, not a traceback."""
        try:
            await super().__call__(scope, receive, send)
        except (OSError, redis.RedisError) as error:
            outage.failed(error)
            with contextlib.suppress(Exception):  # the connection may already be gone
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.page = live_page((query.get("page") or [""])[0])
        self.group = group_live_page(self.page)
        try:
            await self._join()
        except (OSError, redis.RedisError) as error:
            outage.failed(error)
            await self.accept()
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        await self.accept()

    async def _join(self) -> None:
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined_at = time.monotonic()
        self.joined_epoch, _ = await sync_to_async(live_position, thread_sensitive=False)(page=self.page)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            with contextlib.suppress(OSError, redis.RedisError):  # the group entry expires on its own
                await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Answer a snapshot or ping request; ignore anything else (binary, oversized, unreadable)."""
        request = _request(text_data)
        if request == REQUEST_SNAPSHOT:
            await self.send(text_data=await self._snapshot())
        elif request == REQUEST_PING:
            epoch, seq = await sync_to_async(live_position, thread_sensitive=False)(page=self.page)
            if epoch != self.joined_epoch or time.monotonic() - self.joined_at > GROUP_REJOIN_S:
                await self._join()  # Redis lost its state (the group too), or the membership is getting old
            await self.send(text_data=json.dumps({"event": str(Event.PONG), "epoch": epoch, "seq": seq,
                                                  "at": timezone.now().isoformat()}))

    async def _snapshot(self) -> str:
        """The page's cached snapshot; rendered once per process when there is none (not once per socket)."""
        text = await sync_to_async(live_snapshot_cached, thread_sensitive=False)(page=self.page)
        if text is None:
            async with _render_locks[self.page]:
                text = await database_sync_to_async(live_snapshot_text)(page=self.page)
        return text

    async def live_forward(self, message: dict[str, Any]) -> None:
        """A producer's finished message for this page: sent on as it is."""
        await self.send(text_data=message["text"])


def _request(text_data: str | None) -> str | None:
    """The ``request`` of a small JSON object, or None for anything else."""
    if not text_data or len(text_data) > MAX_REQUEST_CHARS:
        return None
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError):
        return None
    request = content.get("request") if isinstance(content, dict) else None
    return request if isinstance(request, str) else None
