"""The persisted state of each market-data source (``MarketFeedState``): blocks and clocks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import transaction

from config.logging import Category
from ta.models import Candle, MarketFeedState

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(tz=UTC)


def feed_state_get(*, source: str) -> MarketFeedState:
    """The state row of ``source``, created empty on first use."""
    state, _ = MarketFeedState.objects.get_or_create(source=source)
    return state


def feed_fetch_record(*, source: str, at: datetime) -> None:
    """Record that ``source`` completed a fetch at ``at`` (reported by /health)."""
    MarketFeedState.objects.update_or_create(source=source, defaults={"last_fetch_at": at})


def feed_block_record(*, source: str, until: datetime, reason: str) -> bool:
    """Stop ``source`` until ``until`` (a Binance 418 ban); True when this is a new block."""
    with transaction.atomic():
        state, _ = MarketFeedState.objects.select_for_update().get_or_create(source=source)
        is_new = state.blocked_until is None or state.blocked_until < until
        state.blocked_until = until
        state.blocked_reason = reason
        state.save(update_fields=["blocked_until", "blocked_reason", "updated_at"])
    return is_new


def feed_region_block_record(*, source: str, base_url: str, reason: str) -> bool:
    """Mark ``base_url`` as regionally blocked (HTTP 451); True the first time (report once)."""
    with transaction.atomic():
        state, _ = MarketFeedState.objects.select_for_update().get_or_create(source=source)
        if state.region_blocked_url == base_url:
            return False
        state.region_blocked_url = base_url
        state.blocked_reason = reason
        state.save(update_fields=["region_blocked_url", "blocked_reason", "updated_at"])
    return True


def feed_replay_anchor(*, start: datetime, speed: float, now: datetime | None = None) -> datetime:
    """Wall time the replay from ``start`` at ``speed`` began; set now on first use or when either changed.

    Shared by every worker through the database, so all of them see one replay clock.
    """
    now = now or _now()
    with transaction.atomic():
        state, _ = MarketFeedState.objects.select_for_update().get_or_create(source="replay")
        if state.replay_anchor_at is None or state.replay_start != start or state.replay_speed != speed:
            state.replay_anchor_at, state.replay_start, state.replay_speed = now, start, speed
            state.save(update_fields=["replay_anchor_at", "replay_start", "replay_speed", "updated_at"])
            logger.info("replay clock starts at %s, %gx", start.isoformat(), speed, extra={"category": Category.SCAN})
        return state.replay_anchor_at


def feed_sources_other(*, source: str) -> list[str]:
    """Other sources that have stored candles here (their fetch time is recorded)."""
    others = MarketFeedState.objects.exclude(source=source).filter(last_fetch_at__isnull=False)
    return sorted(others.values_list("source", flat=True))


@transaction.atomic
def feed_source_switch(*, source: str) -> int:
    """Delete every stored candle and forget the other sources' fetches, so ``source`` starts afresh.

    Candles of two sources must never mix in one series (a simulated history under
    real prices would corrupt every indicator). Returns the number of candles deleted.
    """
    deleted, _ = Candle.objects.all().delete()
    MarketFeedState.objects.exclude(source=source).update(last_fetch_at=None)
    logger.warning("deleted %d stored candles to switch the market data to %s", deleted, source,
                   extra={"category": Category.SCAN})
    return deleted
