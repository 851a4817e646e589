"""Announce candle updates on the message bus, exactly per DESIGN.md's table.

- ``market:candles:{symbol}`` (pub/sub): the newest candle of the updated timeframe,
  on every update.
- ``cache:candles:{symbol}``: the newest 5m candle (TTL 60 s).
- ``cache:candles:{symbol}:{tf}``: the newest ``MARKET_DATA_CACHE_CANDLES`` candles
  of that timeframe, oldest first (TTL: 5m 60 s, 1h 300 s, 4h 600 s).

Candle JSON: ``{"symbol", "timeframe", "open_time" (ISO, Z), "open_time_ms",
"open", "high", "low", "close", "volume" (decimal strings), "is_closed"}``. The bus
is best-effort (``config.bus.client``): with Redis down this returns False, the
outage is logged once, and the next update publishes again.
"""

from __future__ import annotations

from django.conf import settings

from config.bus.client import bus_publish, bus_set_json
from config.bus.schema import (
    CANDLES_LATEST_TTL_S,
    candles_ttl_s,
    channel_market_candles,
    key_candles,
    key_candles_latest,
)
from ta.selectors import candles_payload

LATEST_TIMEFRAME = "5m"


def candles_announce(*, symbol: str, timeframe: str) -> bool:
    """Cache the series and publish its newest candle; True when Redis took every write."""
    candles = candles_payload(symbol=symbol, timeframe=timeframe, limit=settings.MARKET_DATA_CACHE_CANDLES)
    if not candles:
        return True
    latest = candles[-1]
    ok = bus_set_json(
        key=key_candles(symbol, timeframe),
        payload={"symbol": symbol, "timeframe": timeframe, "candles": candles},
        ttl_s=candles_ttl_s(timeframe),
    )
    if ok and timeframe == LATEST_TIMEFRAME:
        ok = bus_set_json(key=key_candles_latest(symbol), payload=latest, ttl_s=CANDLES_LATEST_TTL_S)
    if ok:
        ok = bus_publish(channel=channel_market_candles(symbol), payload=latest)
    return ok
