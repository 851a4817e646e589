"""Receivers that keep the dashboard's own records in step with the scan."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError

from config.bus.push import push_event
from config.bus.schema import Event, Group
from config.logging import Category
from dashboard.services.signal_history import signal_history_record
from ta.models import ScanResult, ScanStatus
from trader.services.config import config_get

logger = logging.getLogger(__name__)


def scan_result_saved(sender: type[ScanResult], instance: ScanResult, **kwargs: Any) -> None:
    """Record the signal history of every usable scan result (in the process that stored it)."""
    if instance.status != ScanStatus.OK:
        return
    try:
        config = config_get()
        signal_history_record(
            symbol=instance.symbol.symbol, long_score=instance.long_score, short_score=instance.short_score,
            long_threshold=config.long_threshold, short_threshold=config.short_threshold, at=instance.computed_at,
        )
    except DatabaseError as error:  # the scan result is stored; a missed history update only ages the signal
        logger.error("signal history not updated for %s: %s", instance.symbol_id, error,
                     extra={"category": Category.SCAN})


def candles_changed(sender: Any, symbols: list[str], **kwargs: Any) -> None:
    """New candles move prices and the data age: the open pages get the changed prices pushed."""
    push_event(group=Group.DASHBOARD, event=Event.COIN_DATA, payload={"symbols": list(symbols)})
