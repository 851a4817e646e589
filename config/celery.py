"""The Celery app, configured from Django settings (namespace ``CELERY``).

Three queues keep concerns apart (DESIGN.md "Scaling past one machine"): ``market``
(candle fetches), ``analysis`` (TA and structure engines; also the default for
general platform tasks) and ``trader`` (the cycle, which must never wait behind
analysis work: production runs a worker for it alone). Tasks are named
``<queue>.<action>`` and routed by that prefix, so a task scheduled by name from
the admin lands on the right queue too.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from celery import Celery, bootsteps
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

QUEUE_MARKET = "market"
QUEUE_ANALYSIS = "analysis"
QUEUE_TRADER = "trader"
QUEUES = (QUEUE_MARKET, QUEUE_ANALYSIS, QUEUE_TRADER)
WORKER_HEARTBEAT_INTERVAL_S = 10.0

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in QUEUES]
app.conf.task_default_queue = QUEUE_ANALYSIS
app.conf.task_routes = {f"{name}.*": {"queue": name} for name in QUEUES}
app.autodiscover_tasks()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes this worker's heartbeat to Redis every 10 s, for ``/health`` to read.

    The key expires after 30 s, so a dead worker disappears from the health report
    on its own.
    """

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_ref = None
        self.hostname = getattr(worker, "hostname", None) or socket.gethostname()

    def start(self, worker):
        self.beat()
        self.timer_ref = worker.timer.call_repeatedly(WORKER_HEARTBEAT_INTERVAL_S, self.beat, priority=10)

    def stop(self, worker):
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None

    def beat(self):
        from config.bus.client import redis_client
        from config.bus.schema import HEALTH_WORKER_HEARTBEAT_TTL_S, key_health_worker

        try:
            redis_client().set(
                key_health_worker(self.hostname),
                datetime.now(tz=UTC).isoformat(),
                ex=HEALTH_WORKER_HEARTBEAT_TTL_S,
            )
        except Exception as error:  # noqa: BLE001 - the broker connection reports outages itself
            logger.debug("worker heartbeat not written: %s", error)


app.steps["worker"].add(WorkerHeartbeat)
