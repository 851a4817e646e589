"""Structure task on the ``analysis`` queue. Thin: it calls ``ta.services.structure``.

``analysis.structure`` runs after every candle update (``ta.signals.candles_updated``,
connected in ``ta.apps``) for the symbols whose candles changed, on the timeframes
fetched, beside ``analysis.scan``.
"""

from __future__ import annotations

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from config.logging import Category
from ta.services.structure import structure_scan

logger = logging.getLogger(__name__)


@shared_task(name="analysis.structure", soft_time_limit=120, time_limit=180, acks_late=True)
def structure_symbols(symbols: list[str] | None = None, timeframes: list[str] | None = None) -> dict[str, object]:
    """Run and store the structure of ``symbols`` on ``timeframes`` (defaults: every enabled symbol;
    5m, 1h, 4h). Idempotent. Returns the report (stored, insufficient, errors, signals, duration_s)."""
    return structure_scan(symbols=symbols, timeframes=timeframes).as_dict()


def structure_chain_after_fetch(
    sender: object, symbols: list[str] | None = None, timeframes: list[str] | None = None, **_kwargs: object
) -> None:
    """Receiver of ``ta.signals.candles_updated``: queue ``analysis.structure`` for the changed series.

    Off when ``TA_CHAIN_AFTER_FETCH`` is false. A broker outage is logged and the fetch goes on.
    """
    from django.conf import settings

    if not settings.TA_CHAIN_AFTER_FETCH or not symbols:
        return
    try:
        structure_symbols.delay(list(symbols), list(timeframes) if timeframes else None)
    except (OperationalError, OSError) as error:
        logger.error("could not queue the structure of %d symbol(s): %s", len(symbols), error,
                     extra={"category": Category.SCAN})
