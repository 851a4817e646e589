"""Alerts when Redis or the database goes down, and when it is back, from a process that needs neither.

``manage.py outage_watch`` runs :class:`OutageWatch` in a loop: each part is probed with a
short timeout; after ``confirm`` failed probes in a row the part is reported down (one
alert), and the first probe that answers again reports it back (one alert, with how long
it was down). The state lives in this process's memory and the alerts go straight to
Telegram (:func:`trader.services.alerts.telegram_send`, not through the Celery queue that
lives in Redis), so an outage of either part cannot silence its own alert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db import connections

from config.logging import Category
from trader.services.alerts import AlertKind, alert_text, alerts_configured, telegram_send

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0
CONFIRM_FAILURES = 2  # one lost probe is a blip, not an outage

# What an outage of each part means for the operator.
CONSEQUENCES = {
    "redis": "the bus, live pages and the Celery queues are paused; the trader keeps trading from the database",
    "database": "no trading cycle can run and nothing is recorded; open positions keep their exchange-side "
                "stop-loss and take-profit",
}


def redis_probe() -> None:
    """PING the Redis of ``settings.REDIS_URL``; raises when it does not answer in time."""
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=PROBE_TIMEOUT_S,
                                  socket_timeout=PROBE_TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()


def database_probe() -> None:
    """``SELECT 1`` on a fresh connection of the default database; raises when it does not answer."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # a fresh connection every probe: a stale one must not hide an outage


def _deliver(text: str) -> None:
    logger.error(text, extra={"category": Category.SYSTEM, "alert": str(AlertKind.OUTAGE)})
    if alerts_configured():
        telegram_send(text=text)


@dataclass
class OutageWatch:
    """Probe state per part; :meth:`step` probes once and returns the alerts it sent."""

    probes: dict[str, Callable[[], None]]
    send: Callable[[str], None] = _deliver
    confirm: int = CONFIRM_FAILURES
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, int] = field(default_factory=dict)
    _down_since: dict[str, float] = field(default_factory=dict)

    @classmethod
    def default(cls) -> OutageWatch:
        return cls(probes={"redis": redis_probe, "database": database_probe})

    def step(self) -> list[str]:
        sent = []
        for part, probe in self.probes.items():
            try:
                probe()
            except Exception as error:  # noqa: BLE001 - any failure to answer is the part being down
                text = self._failed(part, error)
            else:
                text = self._answered(part)
            if text:
                self.send(text)
                sent.append(text)
        return sent

    def _failed(self, part: str, error: Exception) -> str | None:
        self._failures[part] = self._failures.get(part, 0) + 1
        if part in self._down_since or self._failures[part] < self.confirm:
            return None
        self._down_since[part] = self.clock()
        at = datetime.now(tz=UTC).strftime("%H:%M:%S")
        return alert_text(kind=AlertKind.OUTAGE, message=f"{part} is DOWN since {at} UTC "
                                                         f"({type(error).__name__}): {CONSEQUENCES.get(part, '')}")

    def _answered(self, part: str) -> str | None:
        self._failures[part] = 0
        since = self._down_since.pop(part, None)
        if since is None:
            return None
        return alert_text(kind=AlertKind.OUTAGE, message=f"{part} is back after {self.clock() - since:.0f} s")

    def run(self, *, interval_s: float, after_step: Callable[[], None] = lambda: None) -> None:
        """Probe every ``interval_s`` seconds, for ever; ``after_step`` is called after each round."""
        while True:
            self.step()
            after_step()
            time.sleep(interval_s)
