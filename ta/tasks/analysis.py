"""Analysis tasks on the ``analysis`` queue. Thin: they call ``ta.services.analysis``.

``analysis.scan`` runs after every candle update (``ta.signals.candles_updated``,
connected in ``ta.apps``) for the symbols whose candles changed. When a worker
starts, the engine's compiled kernels are loaded (or compiled) before any scan, so
the first scan is not seconds late.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from kombu.exceptions import OperationalError

from config.logging import Category
from ta.services.analysis import analysis_scan

logger = logging.getLogger(__name__)


@shared_task(name="analysis.scan", soft_time_limit=60, time_limit=90, acks_late=True)
def analyse_symbols(symbols: list[str] | None = None) -> dict[str, object]:
    """Analyse ``symbols`` (default: every enabled symbol), store, publish. Idempotent.

    Returns the scan report as JSON (analysed, insufficient, errors, duration_s).
    """
    report = analysis_scan(symbols=symbols)
    return report.as_dict()


@worker_ready.connect
def engine_warm_on_worker_start(**_kwargs: object) -> None:
    """Load or compile the numba kernels (cache in ``NUMBA_CACHE_DIR``) before the first task."""
    from ta.engine.warmup import engine_warm

    try:
        engine_warm()
    except Exception as error:  # noqa: BLE001 - the first scan then compiles instead
        logger.warning("TA engine warm-up failed: %s", error, extra={"category": Category.SYSTEM})


def analysis_chain_after_fetch(sender: object, symbols: list[str] | None = None, **_kwargs: object) -> None:
    """Receiver of ``ta.signals.candles_updated``: queue ``analysis.scan`` for the changed symbols.

    Connected in ``ta.apps``; off when ``TA_CHAIN_AFTER_FETCH`` is false. A broker outage
    is logged and the fetch goes on (the next update queues the analysis again).
    """
    from django.conf import settings

    if not settings.TA_CHAIN_AFTER_FETCH or not symbols:
        return
    try:
        analyse_symbols.delay(list(symbols))
    except (OperationalError, OSError) as error:  # the broker is down: the fetch must not fail for it
        logger.error("could not queue the analysis of %d symbol(s): %s", len(symbols), error,
                     extra={"category": Category.SCAN})
