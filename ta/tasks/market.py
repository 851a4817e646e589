"""Market-data tasks on the ``market`` queue. Thin: they call ``ta.services.fetch`` and
``ta.services.derivatives``."""

from __future__ import annotations

import logging

from celery import shared_task

from config.logging import Category
from ta.services.derivatives import derivatives_fetch
from ta.services.fetch import market_fetch
from ta.timeframes import PLATFORM_TIMEFRAMES

logger = logging.getLogger(__name__)


@shared_task(name="market.fetch_candles", soft_time_limit=240, time_limit=300, acks_late=True)
def fetch_candles(
    timeframes: list[str] | None = None, symbols: list[str] | None = None, backfill_missing: list[str] | None = None
) -> dict[str, object]:
    """Fetch ``timeframes`` (default 5m, 1h, 4h) for the enabled symbols (or ``symbols``).

    ``backfill_missing`` timeframes are fetched as well for a symbol with none of their
    candles yet (the 5m schedule passes ["1h", "4h"], so a fresh install or a newly
    enabled coin has every timeframe after its first 30 s run).

    Idempotent (an upsert). Returns the report as JSON: ``symbols_changed`` lists the
    symbols whose candles changed; the ``ta.signals.candles_updated`` signal carries
    the same list to the analysis chained after this fetch.
    """
    report = market_fetch(
        timeframes=timeframes or list(PLATFORM_TIMEFRAMES), symbols=symbols, backfill_missing=backfill_missing or ()
    )
    if report.errors:
        logger.warning("market fetch finished with %d problem(s): %s", len(report.errors), "; ".join(report.errors[:5]),
                       extra={"category": Category.SCAN})
    return report.as_dict()


@shared_task(name="market.fetch_derivatives", soft_time_limit=240, time_limit=300, acks_late=True)
def fetch_derivatives(symbols: list[str] | None = None) -> dict[str, object]:
    """Fetch the derivatives series (open interest, ratios, taker volume/CVD, funding) of the enabled
    symbols (or ``symbols``) from the configured source; nothing when ``DERIVATIVES_ENABLED`` is false.

    Idempotent (merged upserts). A first run backfills 30 days within the request budget; a run that
    spends the budget stops and the next scheduled run continues. Returns the report as JSON.
    """
    report = derivatives_fetch(symbols=symbols)
    if report.errors:
        logger.warning("derivatives fetch finished with %d problem(s): %s", len(report.errors),
                       "; ".join(report.errors[:5]), extra={"category": Category.SCAN})
    return report.as_dict()
