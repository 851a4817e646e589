"""Beat scheduler: django-celery-beat's DatabaseScheduler that reports its ticks.

Each tick writes the time to Redis (at most every 5 s) so ``/health`` can tell
whether beat is alive, independently of whether it had anything to send.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from django_celery_beat.schedulers import DatabaseScheduler

TICK_REPORT_INTERVAL_S = 5.0

logger = logging.getLogger(__name__)


class HealthReportingScheduler(DatabaseScheduler):
    """DatabaseScheduler (schedules editable in the admin) plus a last-tick record."""

    _last_report_monotonic = 0.0

    def tick(self, *args, **kwargs):
        next_wake_s = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now - self._last_report_monotonic >= TICK_REPORT_INTERVAL_S:
            self._last_report_monotonic = now
            self._report_tick()
        # Wake at least every 5 s so the tick record stays fresh when nothing is due.
        return min(next_wake_s, TICK_REPORT_INTERVAL_S)

    @staticmethod
    def _report_tick() -> None:
        from config.bus.client import redis_client
        from config.bus.schema import KEY_HEALTH_BEAT_TICK

        try:
            redis_client().set(KEY_HEALTH_BEAT_TICK, datetime.now(tz=UTC).isoformat())
        except Exception as error:  # noqa: BLE001 - beat keeps scheduling while Redis is away
            logger.debug("beat tick not recorded: %s", error)
