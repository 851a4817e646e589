"""Announcing the trader's state: the bus keys of DESIGN.md and the live page push."""

from __future__ import annotations

from typing import Any

from config.bus.client import bus_publish, bus_set_json
from config.bus.push import push_event
from config.bus.schema import (
    CHANNEL_TRADER_EVENTS,
    KEY_STATE_TRADER_CONFIG,
    KEY_STATE_TRADER_STATUS,
    Event,
    Group,
)
from trader.models import TraderConfig


def trader_config_announce(*, config: TraderConfig, changed: list[str] | None = None) -> None:
    """Write ``state:trader:config`` and push the new config to the trader page."""
    from trader.services.config import config_as_dict

    payload = config_as_dict(config)
    bus_set_json(key=KEY_STATE_TRADER_CONFIG, payload=payload)
    push_event(group=Group.TRADER, event=Event.TRADER_STATUS, payload={"config": payload, "changed": changed or []})


def trader_status_announce() -> None:
    """Write ``state:trader:status`` and push it to the trader page."""
    from trader.selectors import status_as_dict
    from trader.services.status import status_get

    payload = status_as_dict(status_get())
    bus_set_json(key=KEY_STATE_TRADER_STATUS, payload=payload)
    push_event(group=Group.TRADER, event=Event.TRADER_STATUS, payload={"status": payload})


def trader_event_publish(*, kind: str, payload: dict[str, Any]) -> None:
    """Publish one trader event (open, close, tp_hit, sl_hit, lock, error, entry_order) on ``trader:events``."""
    event = {"kind": kind, **payload}
    bus_publish(channel=CHANNEL_TRADER_EVENTS, payload=event)
    push_event(group=Group.TRADER, event=Event.TRADER_EVENT, payload=event)
