"""Platform diagnostics tasks."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

from celery import shared_task


@shared_task(name="analysis.platform_ping", time_limit=10, soft_time_limit=8)
def platform_ping(token: str) -> dict[str, str]:
    """Answer ``token`` with the worker's host and time: proves the broker-worker-backend path."""
    return {"token": token, "worker_host": socket.gethostname(), "answered_at": datetime.now(tz=UTC).isoformat()}
