"""Every Redis key and channel of the message bus, and every Channels group and event.

This is the one place those strings are spelt (seed platform-v3 "Channel/Key Schema",
DESIGN.md "Message bus"). Other consumers outside this project read the same keys, so
the names and TTLs below are a contract: change them only together with DESIGN.md.
"""

from __future__ import annotations

from enum import StrEnum

# --- Time-to-live of cached values, in seconds ------------------------------------
CANDLES_LATEST_TTL_S = 60
CANDLES_TTL_S_BY_TIMEFRAME = {"5m": 60, "1h": 300, "4h": 600}
CANDLES_DEFAULT_TTL_S = 600
TA_LATEST_TTL_S = 120
HEALTH_WORKER_HEARTBEAT_TTL_S = 30


# --- Pub/sub channels -------------------------------------------------------------
def channel_market_candles(symbol: str) -> str:
    """OHLCV update of ``symbol`` (published by market data on every update)."""
    return f"market:candles:{symbol}"


def channel_signals_ta(symbol: str) -> str:
    """TA result of ``symbol`` (seed output schema)."""
    return f"signals:ta:{symbol}"


CHANNEL_SIGNALS_SCAN = "signals:scan"
CHANNEL_TRADER_EVENTS = "trader:events"


# --- Cached keys --------------------------------------------------------------------
def key_candles_latest(symbol: str) -> str:
    """Latest candle of ``symbol`` as JSON; TTL ``CANDLES_LATEST_TTL_S``."""
    return f"cache:candles:{symbol}"


def key_candles(symbol: str, timeframe: str) -> str:
    """Recent candles of ``symbol`` on ``timeframe`` as JSON; TTL from ``candles_ttl_s``."""
    return f"cache:candles:{symbol}:{timeframe}"


def candles_ttl_s(timeframe: str) -> int:
    """TTL of ``key_candles`` for ``timeframe``: 1h 300 s, 4h 600 s, 5m 60 s."""
    return CANDLES_TTL_S_BY_TIMEFRAME.get(timeframe, CANDLES_DEFAULT_TTL_S)


MARK_PRICE_TTL_S = 30


def key_mark_price(symbol: str) -> str:
    """``cache:mark:{symbol}``: the newest mark price from the exchange stream (trader.services.streams)."""
    return f"cache:mark:{symbol}"


VENUE_MARKETS_TTL_S = 7 * 86400  # refreshed hourly (trader.venue_markets_refresh); the bundled rules after that


def key_venue_markets(venue: str) -> str:
    """``cache:venue:markets:{venue}``: the venue's market rules from its own API as JSON (coinex.paper.markets)."""
    return f"cache:venue:markets:{venue}"


def key_ta_latest(symbol: str) -> str:
    """Latest TA result of ``symbol`` as JSON; TTL ``TA_LATEST_TTL_S``."""
    return f"ta:latest:{symbol}"


KEY_STATE_POSITIONS = "state:positions"
KEY_STATE_BALANCE = "state:balance"
KEY_STATE_TRADER_CONFIG = "state:trader:config"
KEY_STATE_TRADER_STATUS = "state:trader:status"


# --- Health keys (not part of the seed's schema; read by /health) ----------------------
def key_health_worker(hostname: str) -> str:
    """Heartbeat of one Celery worker: ISO time of its last beat; TTL 30 s."""
    return f"health:worker:{hostname}"


KEY_HEALTH_WORKER_PATTERN = "health:worker:*"
KEY_HEALTH_BEAT_TICK = "health:beat:last_tick"


# --- Dashboard error log (not part of the seed's schema; seed upgrades-v2 "Error/Issue Logging") --
KEY_DASHBOARD_ERRORS = "dashboard:errors"  # list of JSON entries, newest first
DASHBOARD_ERRORS_MAX = 200


# --- Request budgets shared by every process (ta.sources.budget) -------------------
def key_request_budget(name: str, window: int) -> str:
    """Requests counted against budget ``name`` in 5-minute window number ``window``; TTL 2 windows."""
    return f"budget:{name}:{window}"


FUNDING_READ_EVERY_S = 3600


def key_funding_read(source: str, symbol: str) -> str:
    """Set when ``source``'s funding rates of ``symbol`` were read; TTL ``FUNDING_READ_EVERY_S`` (read hourly)."""
    return f"derivatives:funding_read:{source}:{symbol}"


# --- Currency reference rates (trader.fx; Django's cache, TTL FX_CACHE_S) -----------------
def key_fx_rates(source: str) -> str:
    """The cached quotes of one rate source (``ecb``)."""
    return f"fx:rates:{source}"


# --- Live page push (dashboard.live; not part of the seed's schema) -------------------
LIVE_SNAPSHOT_TTL_S = 300  # a page's cached full rendering; relative times in it age, so it is renewed
LIVE_HASHES_TTL_S = 86400  # what each page was last sent, to push only what changed
KEY_LIVE_RENDER_LOCK = "dashboard:live:render-lock"  # one producer renders and sends at a time
# A token naming the current run of the sequence numbers: a Redis restart or flush starts them
# again from 1, and the new token tells every open page to take a fresh snapshot.
KEY_LIVE_EPOCH = "dashboard:live:epoch"
# Hash of what the producers spent on the live push, per cause (``{event}:count``, ``{event}:cpu_us``,
# ``{event}:bytes``): CPU of rendering, diffing and sending, and message text sent to the groups.
# Read by ``bench/live_fanout.py``: the producer's work per event, whatever the number of sockets.
KEY_LIVE_STATS = "dashboard:live:stats"


def key_live_seq(page: str) -> str:
    """Sequence number of the last message sent to ``page``'s live group (INCR)."""
    return f"dashboard:live:seq:{page}"


def key_live_snapshot(page: str) -> str:
    """``page``'s full live rendering as JSON (seq, time, fragments, payload); TTL ``LIVE_SNAPSHOT_TTL_S``."""
    return f"dashboard:live:snapshot:{page}"


def key_live_hashes(page: str) -> str:
    """Hash of region or card id -> digest of what ``page``'s sockets were last sent."""
    return f"dashboard:live:hashes:{page}"


def group_live_page(page: str) -> str:
    """The Channels group every socket showing ``page`` joins (one group per page)."""
    return f"live.{page}"


# --- Channels groups and event types (browser pushes) --------------------------------
class Group(StrEnum):
    """Where a producer's event belongs (``push_event``); dashboard.live maps it to pages."""

    DASHBOARD = "dashboard"
    TRADER = "trader"
    SYSTEM = "system"


class Event(StrEnum):
    """``type`` of the messages sent to Channels groups (consumer method names)."""

    COIN_DATA = "coin.data"
    MARK_PRICES = "mark.prices"  # the stream process cached new mark prices (rate-limited, trader.services.streams)
    TA_SIGNAL = "ta.signal"
    SCAN = "scan.update"
    REGIMES = "structure.update"  # the structure engine stored new regimes (shown on the scanner's cards)
    POSITIONS = "positions.update"
    TRADER_STATUS = "trader.status"
    TRADER_EVENT = "trader.event"
    ERROR = "error.entry"
    ECHO = "system.echo"
    BACKTEST_PROGRESS = "backtest.progress"  # a started run's status and percent (trader.backtest.service)
    STUDY_PROGRESS = "study.progress"  # a started optimiser study's status and percent (trader.services.study)
    SNAPSHOT = "dashboard.snapshot"  # the full live payload, sent to one socket that asked for it
    DELTA = "live.delta"  # what changed on a page since the previous message (dashboard.live)
    PONG = "live.pong"  # the answer to the page's heartbeat, with the page's current sequence number
