"""WebSocket consumers. They authenticate and forward; they compute nothing.

Every message sent to a group the socket joined (see ``config.bus.push``) arrives as
``{"event": <Event>, "data": <payload>}``. A socket that sends ``{"request": "snapshot"}``
and the page's name (it does on every (re)connect and after each pushed event) gets the
whole live payload back as ``{"event": "dashboard.snapshot", "data": ..., "fragments":
{element id: html}}`` from ``dashboard.fragments.live_snapshot``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from config.bus.schema import Event, Group
from dashboard.fragments import live_snapshot

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
REQUEST_SNAPSHOT = "snapshot"


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """The browser's one socket: joins the dashboard, trader and system groups."""

    groups_joined = (Group.DASHBOARD, Group.TRADER, Group.SYSTEM)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        for group in self.groups_joined:
            await self.channel_layer.group_add(str(group), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(str(group), self.channel_name)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        """Unreadable input is ignored (answered with nothing), never a crash of the socket."""
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Answer ``{"request": "snapshot"}`` with the live payload; ignore anything else."""
        if not isinstance(content, dict) or content.get("request") != REQUEST_SNAPSHOT:
            return
        page = str(content.get("page", ""))
        snapshot = await database_sync_to_async(live_snapshot)(page=page)
        await self.send_json({"event": str(Event.SNAPSHOT), **snapshot})

    async def dispatch(self, message: dict) -> None:
        """Forward every bus event to the browser; anything else is Channels' own."""
        if message.get("type") in FORWARDED_EVENTS:
            await self.send_json({"event": message["type"], "data": message.get("data")})
            return
        await super().dispatch(message)


FORWARDED_EVENTS = frozenset(str(event) for event in Event)
