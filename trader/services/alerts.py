"""Operator alerts over Telegram, sent off the cycle's critical path.

``alert_send`` never blocks the cycle and never raises: it queues a Celery task on the
trader queue over a fresh broker connection bounded by ``ALERT_ENQUEUE_TIMEOUT_S`` (no
result subscription, no reconnect loop), or, with the broker down or slow, sends from a
short-lived thread at once. Failures are
logged (without the bot token, which the log filter masks anyway). Without
``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_CHAT_ID`` alerts are only logged.
"""

from __future__ import annotations

import logging
import threading
from enum import StrEnum

import httpx
from django.conf import settings

from config.logging import Category

logger = logging.getLogger(__name__)

TELEGRAM_TIMEOUT_S = 10.0
# Connect and socket timeout of the broker connection an alert is queued on: past it the
# alert goes straight to Telegram. Celery's own defaults wait ~19 s with Redis down.
ALERT_ENQUEUE_TIMEOUT_S = 1.0


class AlertKind(StrEnum):
    KILL_SWITCH = "kill_switch"
    CIRCUIT_BREAKER = "circuit_breaker"
    EMERGENCY_STOP = "emergency_stop"
    ORDER_FAILED = "order_failed"
    PROTECTIVE_ORDER_MISSING = "protective_order_missing"
    UNKNOWN_POSITION = "unknown_position"
    UNMANAGED_POSITIONS = "unmanaged_positions"
    SIZE_MISMATCH = "size_mismatch"
    CYCLE_ABANDONED = "cycle_abandoned"
    OUTAGE = "outage"
    VENUE_STATUS = "venue_status"
    STUDY_PROPOSAL = "study_proposal"


_TITLES = {
    AlertKind.KILL_SWITCH: "KILL SWITCH",
    AlertKind.CIRCUIT_BREAKER: "CIRCUIT BREAKER",
    AlertKind.EMERGENCY_STOP: "EMERGENCY STOP",
    AlertKind.ORDER_FAILED: "Order failed",
    AlertKind.PROTECTIVE_ORDER_MISSING: "Protective order missing",
    AlertKind.UNKNOWN_POSITION: "Unknown position",
    AlertKind.UNMANAGED_POSITIONS: "Positions left unmanaged",
    AlertKind.SIZE_MISMATCH: "Position size mismatch",
    AlertKind.CYCLE_ABANDONED: "Cycle abandoned",
    AlertKind.OUTAGE: "OUTAGE",
    AlertKind.VENUE_STATUS: "Venue status",
    AlertKind.STUDY_PROPOSAL: "Optimiser proposal",
}


def alert_text(*, kind: AlertKind, message: str) -> str:
    """The message as the operator reads it in Telegram."""
    return f"[coinex-trader] {_TITLES[kind]}: {message}"


def alerts_configured() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_CHAT_ID)


def alert_send(*, kind: AlertKind, message: str) -> None:
    """Log the alert and deliver it to Telegram in the background (never raises)."""
    text = alert_text(kind=kind, message=message)
    logger.warning(text, extra={"category": Category.TRADE, "alert": str(kind)})
    if not alerts_configured():
        return
    try:
        _enqueue(text=text)
    except Exception as error:  # noqa: BLE001 - broker down: deliver directly, off the caller's thread
        logger.warning("alert queue unavailable (%s); sending directly", error, extra={"category": Category.SYSTEM})
        threading.Thread(target=telegram_send, kwargs={"text": text}, daemon=True).start()


def _enqueue(*, text: str) -> None:
    """Queue the delivery task; raises within ``ALERT_ENQUEUE_TIMEOUT_S`` when the broker does not answer."""
    from config.celery import app
    from trader.tasks import send_alert

    # max_retries 0: one connection attempt, not kombu's retry loop.
    timeouts = {"socket_connect_timeout": ALERT_ENQUEUE_TIMEOUT_S, "socket_timeout": ALERT_ENQUEUE_TIMEOUT_S,
                "max_retries": 0}
    with app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=ALERT_ENQUEUE_TIMEOUT_S,
                                  transport_options=timeouts) as broker:
        send_alert.apply_async(kwargs={"text": text}, connection=broker, retry=False, ignore_result=True)


def telegram_send(*, text: str) -> bool:
    """POST ``sendMessage`` to the Telegram Bot API; True when Telegram answered ok."""
    url = f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{settings.TELEGRAM_BOT_TOKEN}/sendMessage"
    try:
        response = httpx.post(url, json={"chat_id": settings.TELEGRAM_CHAT_ID, "text": text},
                              timeout=TELEGRAM_TIMEOUT_S)
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.error("Telegram alert not delivered: %s", error, extra={"category": Category.SYSTEM})
        return False
    if not body.get("ok"):
        logger.error("Telegram refused the alert: %s %s", response.status_code, body.get("description"),
                     extra={"category": Category.SYSTEM})
        return False
    return True
