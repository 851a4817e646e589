"""Market-data sources behind one interface (``ta.sources.base.CandleSource``).

``source_from_settings()`` is the single factory: ``MARKET_DATA_SOURCE`` picks the
Binance client (spot klines, or ``binance_usdm``: the USD-M futures klines of the Binance
venue), the simulated market or the replay; nothing else branches on it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings

from ta.sources.base import CandleSource, SourceConfigError

SOURCE_NAMES = ("simulated", "binance", "binance_usdm", "replay")


def source_from_settings(name: str | None = None) -> CandleSource:
    """The configured source (or the one called ``name``), built from settings."""
    name = name or settings.MARKET_DATA_SOURCE
    if name == "simulated":
        from ta.sources.simulated import SimulatedSource

        return SimulatedSource(seed=settings.MARKET_DATA_SIMULATED_SEED)
    if name == "binance":
        from ta.sources.binance import BinanceSource

        return BinanceSource(
            base_url=settings.BINANCE_BASE_URL,
            timeout_s=settings.BINANCE_TIMEOUT_S,
            weight_limit_1m=settings.BINANCE_WEIGHT_LIMIT_1M,
        )
    if name == "binance_usdm":
        from ta.sources.binance import BinanceUsdmSource

        return BinanceUsdmSource(
            base_url=settings.BINANCE_FUTURES_BASE_URL,  # the venue's own host (or its testnet)
            timeout_s=settings.BINANCE_TIMEOUT_S,
            weight_limit_1m=settings.BINANCE_WEIGHT_LIMIT_1M,
        )
    if name == "replay":
        return _replay_from_settings()
    raise SourceConfigError(f"unknown market-data source {name!r}; one of {', '.join(SOURCE_NAMES)}")


def replay_start_parse(value: str) -> datetime:
    """An ISO-8601 time (``2024-06-01T00:00:00Z``) as aware UTC; naive times are read as UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SourceConfigError(f"MARKET_DATA_REPLAY_START={value!r} is not an ISO-8601 time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _replay_from_settings() -> CandleSource:
    from ta.services.feed_state import feed_replay_anchor
    from ta.sources.replay import CsvReplayLoader, DatabaseReplayLoader, ReplaySource

    start = replay_start_parse(settings.MARKET_DATA_REPLAY_START)
    speed = settings.MARKET_DATA_REPLAY_SPEED
    anchor_at = feed_replay_anchor(start=start, speed=speed)
    if "replay" in settings.DATABASES:
        loader = DatabaseReplayLoader("replay")
    else:
        loader = CsvReplayLoader(settings.MARKET_DATA_REPLAY_DIR)
    return ReplaySource(loader=loader, start=start, speed=speed, anchor_at=anchor_at)
