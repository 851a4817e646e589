"""Reads the pages and the live payload are built from. Database and Redis only: the
dashboard never calls an exchange (positions and balance come from what the trader's
cycle published on ``state:positions``/``state:balance`` and from its Trade records)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import redis
from django.db import models
from django.utils import timezone

from coinex.venue import VENUE_NAMES, venue_parse
from config.bus.client import redis_client
from config.bus.schema import KEY_STATE_BALANCE, KEY_STATE_POSITIONS, key_mark_price
from dashboard import tooltips
from dashboard.error_log import error_category, error_ring_read
from ta.analysis_selectors import ta_results_latest, ta_scan_last_at
from ta.derivatives_selectors import derivatives_latest_cached
from ta.models import MarketFeedState, ScanResult, ScanStatus, Symbol
from ta.selectors import decimal_plain, derivatives_freshness, market_data_last_fetch_at, price_latest
from ta.structure_selectors import regimes_latest
from trader.cycle.run import kill_switch_drawdown_pct
from trader.models import Book, BookLedger, CycleLog, CycleOutcome, Trade, TraderConfig
from trader.selectors import heat_overview

logger = logging.getLogger(__name__)

TA_SIGNAL_PARTS = ("ema_ribbon", "ttm_squeeze", "stoch_rsi_divergence", "composite_score_adjustment")
# The stream publishes a mark price every second; one older than this means the stream stalled
# (the key itself lives MARK_PRICE_TTL_S), and the pages fall back to the candle close.
MARK_PRICE_FRESH_S = 10
ERRORS_LIMIT = 200
HUNDRED = Decimal(100)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def mark_prices_fresh(*, symbols: list[str], now: datetime | None = None) -> dict[str, Decimal]:
    """The exchange stream's mark price of each of ``symbols`` that has a fresh one (at most
    ``MARK_PRICE_FRESH_S`` old): one Redis read; {} when the stream is not running or Redis is down."""
    if not symbols:
        return {}
    try:
        raws = redis_client().mget([key_mark_price(symbol) for symbol in symbols])
    except (redis.RedisError, OSError):
        return {}
    now = now or timezone.now()
    fresh = {}
    for symbol, raw in zip(symbols, raws, strict=True):
        try:
            entry = json.loads(raw) if raw else None
            mark = _decimal(entry["mark_price"]) if entry else None
            at = datetime.fromisoformat(entry["event_time"]) if entry else None
        except (ValueError, KeyError, TypeError):
            continue
        if mark and mark > 0 and at and (now - at).total_seconds() <= MARK_PRICE_FRESH_S:
            fresh[symbol] = mark
    return fresh


def coin_data() -> list[dict[str, Any]]:
    """One entry per enabled coin in display order: the scan entry (``status`` ok, insufficient_data
    or error; ``pending`` before its first scan) plus ``computed_at``. ``price`` is the stream's
    fresh mark price when there is one (``price_source`` ``mark``), else the scan's candle close
    (``candle``). ``derivatives``: the coin's latest stored open interest, CVD, ratios and funding
    (``ta.derivatives_selectors.derivatives_latest``), None when it has none."""
    results = {
        row.symbol_id: row
        for row in ScanResult.objects.filter(symbol__enabled=True).only("symbol_id", "payload", "computed_at",
                                                                          "status", "reason")
    }
    coins = []
    for symbol in Symbol.objects.filter(enabled=True).order_by("display_order", "symbol"):
        row = results.get(symbol.pk)
        if row is None:
            coins.append({"symbol": symbol.symbol, "status": "pending", "reason": "not scanned yet",
                          "computed_at": None})
            continue
        coins.append({**row.payload, "symbol": symbol.symbol, "status": row.status, "reason": row.reason,
                      "computed_at": _iso(row.computed_at), "price_source": "candle"})
    derivatives = derivatives_latest_cached()  # every coin: one index probe while nothing changed
    for coin in coins:
        coin["derivatives"] = derivatives.get(coin["symbol"])
    marks = mark_prices_fresh(symbols=[coin["symbol"] for coin in coins if coin["status"] == ScanStatus.OK])
    for coin in coins:
        if coin["symbol"] in marks:
            coin["price"], coin["price_source"] = float(marks[coin["symbol"]]), "mark"
    return coins


def ta_signals() -> dict[str, dict[str, Any]]:
    """``{symbol: {ema_ribbon, ttm_squeeze, stoch_rsi_divergence, composite_score_adjustment, timestamp}}``."""
    return {
        symbol: {part: payload.get(part) for part in (*TA_SIGNAL_PARTS, "timestamp")}
        for symbol, payload in ta_results_latest().items()
    }


REGIME_TIMEFRAME = "1h"


def regimes_by_symbol() -> dict[str, dict[str, Any]]:
    """The latest 1h market regime of every enabled coin that has one: ``{symbol: {regime,
    strategy, adx, atr_pct_percentile, bb_width_percentile, compressed, ...}}``."""
    return {row["symbol"]: row for row in regimes_latest(timeframe=REGIME_TIMEFRAME)}


def _redis_json(key: str) -> Any:
    try:
        raw = redis_client().get(key)
    except (redis.RedisError, OSError) as error:
        logger.warning("dashboard could not read %s: %s", key, error)
        return None
    return json.loads(raw) if raw else None


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else decimal_plain(value)


def _money(value: Decimal | None) -> Decimal | None:
    """An account amount to 4 decimals (display), None stays None."""
    return None if value is None else value.quantize(Decimal("0.0001"))


def _position_row(trade: Trade, snapshot: dict[str, Any] | None, *, stream_mark: Decimal | None = None
                  ) -> dict[str, Any]:
    """One open position: the bot's record, marked to the stream's fresh mark price, else to the
    cycle's snapshot, else to the latest candle (``marked_at``: stream, cycle or candle)."""
    snapshot = snapshot or {}
    marked_at = "stream" if stream_mark else "cycle" if snapshot else "candle"
    mark = stream_mark or _decimal(snapshot.get("mark_price")) or price_latest(symbol=trade.symbol)
    pnl = None if stream_mark else _decimal(snapshot.get("unrealized_pnl"))
    if pnl is None and mark is not None:
        direction = 1 if trade.side == "long" else -1
        pnl = (mark - trade.entry_price) * trade.size * direction
    pnl_pct = pnl / trade.margin * HUNDRED if pnl is not None and trade.margin else None
    take_profit = _decimal(snapshot.get("take_profit_price")) or trade.take_profit_price
    stop_loss = _decimal(snapshot.get("stop_loss_price")) or trade.stop_loss_price
    return {
        "symbol": trade.symbol, "side": trade.side, "mode": trade.mode, "size": _plain(trade.size),
        "entry_price": _plain(trade.entry_price), "mark_price": _plain(mark), "leverage": trade.leverage,
        "margin": _plain(trade.margin.quantize(Decimal("0.0001"))),
        "unrealized_pnl": None if pnl is None else pnl.quantize(Decimal("0.0001")),
        "pnl_pct": None if pnl_pct is None else pnl_pct.quantize(Decimal("0.01")),
        "take_profit_price": _plain(take_profit), "stop_loss_price": _plain(stop_loss),
        "liquidation_price": _decimal(snapshot.get("liquidation_price")),
        "opened_at": _iso(trade.opened_at), "adopted": trade.adopted,
        "marked_at": marked_at, "mark_tip": tooltips.MARKED_BY[marked_at],
    }


def positions_open(*, book: Book | None = None) -> dict[str, dict[str, Any]]:
    """The active ``book``'s open positions keyed by symbol: its open, managed Trade records (what is
    open after a manual close, not the last cycle's snapshot), marked with ``state:positions`` when it
    has them. Paused (no book): every managed open trade. Unmanaged ones are listed apart (status)."""
    snapshot = {row.get("symbol"): row for row in (_redis_json(KEY_STATE_POSITIONS) or []) if isinstance(row, dict)}
    trades = Trade.objects.open().managed().order_by("opened_at")
    if book is not None:
        trades = trades.in_book(book)
    trades = list(trades)
    marks = mark_prices_fresh(symbols=sorted({trade.symbol for trade in trades}))
    return {trade.symbol: _position_row(trade, snapshot.get(trade.symbol), stream_mark=marks.get(trade.symbol))
            for trade in trades}


def account_overview(*, book: Book | None, config: TraderConfig) -> dict[str, Any]:
    """Equity, available, margin, unrealized PnL (from ``state:balance``), the active book's starting
    balance, drawdown % and the distance to the kill switch in percentage points."""
    balance = _redis_json(KEY_STATE_BALANCE) or {}
    equity = _decimal(balance.get("equity"))
    ledger = BookLedger.objects.in_book(book).first() if book else None
    drawdown = None if equity is None or ledger is None else kill_switch_drawdown_pct(
        ledger=ledger, config=config, equity=equity)
    limit = config.kill_switch_drawdown_pct
    used_pct = None if drawdown is None or not limit else min(HUNDRED, drawdown / limit * HUNDRED)
    return {
        "kill_switch_used_pct": None if used_pct is None else int(used_pct),
        "kill_switch_level": None if used_pct is None else ("danger" if used_pct >= 80 else
                                                            "warn" if used_pct >= 50 else "ok"),
        "asset": balance.get("asset", "USDT"),
        "equity": _money(equity),
        "available": _money(_decimal(balance.get("available"))),
        "margin": _money(_decimal(balance.get("margin"))),
        "unrealized_pnl": _money(_decimal(balance.get("unrealized_pnl"))),
        "at": balance.get("at"),
        "starting_balance": _money(ledger.starting_balance if ledger else None),
        "drawdown_pct": None if drawdown is None else drawdown.quantize(Decimal("0.01")),
        "kill_switch_pct": limit,
        "kill_switch_distance_pct": None if drawdown is None else (limit - drawdown).quantize(Decimal("0.01")),
        "kill_switch_reference": config.kill_switch_reference,
        "heat": heat_overview(book=book, config=config, equity=equity) if book else None,
    }


def errors_recent(*, limit: int = ERRORS_LIMIT) -> list[dict[str, Any]]:
    """The latest errors, newest first, as ``{timestamp, category, message}``.

    From the ring buffer every process's ERROR log records go to (``dashboard.error_log``);
    when Redis is unreachable, rebuilt from the database instead: failed scans
    (SCAN_ERROR), a blocked market-data source (API_ERROR) and the trader cycles' errors
    (POSITION_ERROR for positions and orders, API_ERROR for the rest).
    """
    ring = error_ring_read(limit=limit)
    return ring if ring is not None else errors_from_records(limit=limit)


def errors_from_records(*, limit: int = ERRORS_LIMIT) -> list[dict[str, Any]]:
    """The errors the database remembers, newest first (the fallback of ``errors_recent``)."""
    entries = [
        {"timestamp": _iso(row.computed_at), "category": "SCAN_ERROR", "message": f"{row.symbol.symbol}: {row.reason}"}
        for row in ScanResult.objects.filter(status=ScanStatus.ERROR).select_related("symbol")[:limit]
    ]
    for feed in MarketFeedState.objects.exclude(blocked_reason="").filter(
        models.Q(blocked_until__gt=timezone.now()) | ~models.Q(region_blocked_url="")
    ):
        entries.append({"timestamp": _iso(feed.updated_at), "category": "API_ERROR",
                        "message": f"market data ({feed.source}) blocked: {feed.blocked_reason}"})
    cycles = CycleLog.objects.exclude(errors=[]).order_by("-started_at")[:limit]
    for cycle in cycles:
        for message in cycle.errors:
            entries.append({"timestamp": _iso(cycle.started_at),
                            "category": error_category(category="TRADE", logger_name="trader", message=str(message)),
                            "message": str(message)})
    entries.sort(key=lambda entry: entry["timestamp"] or "", reverse=True)
    return entries[:limit]


def feed_freshness() -> dict[str, Any]:
    """When market data was last fetched and the TA scan last ran, with their ages in seconds."""
    now = timezone.now()
    fetched, scanned = market_data_last_fetch_at(), ta_scan_last_at()
    return {
        "market_data_at": _iso(fetched), "ta_scan_at": _iso(scanned),
        "ta_scan_text": f"{scanned:%H:%M:%S} UTC" if scanned else "never",
        "market_data_age_s": None if fetched is None else int((now - fetched).total_seconds()),
        "ta_scan_age_s": None if scanned is None else int((now - scanned).total_seconds()),
        "derivatives": derivatives_header(derivatives_freshness(now=now)),
    }


DERIVATIVES_LABELS = {"open_interest": ("OI", "Open interest"), "long_short_ratios": ("L/S", "Long/short ratios"),
                      "cvd": ("CVD", "Cumulative volume delta"), "funding_rate": ("FR", "Funding rate")}


def _age_text(age_s: int | None) -> str:
    if age_s is None:
        return "none stored"
    if age_s < 3600:
        return f"{age_s // 60} min old"
    return f"{age_s / 3600:.1f} h old"


def derivatives_header(freshness: dict[str, Any]) -> dict[str, Any]:
    """The header's derivatives indicator: one light per series (OI, L/S, CVD, FR), red when a
    period of it is stale, with a tooltip giving each period's newest row and age."""
    lights = []
    for name, (short, title) in DERIVATIVES_LABELS.items():
        periods = [item for item in freshness["series"] if item["name"] == name]
        parts = [f"{item['period']} {_age_text(item['age_s'])}{' (stale)' if item['stale'] else ''}"
                 for item in periods]
        lights.append({"name": name, "short": short, "stale": any(item["stale"] for item in periods),
                       "tip": f"{title} of {freshness['symbol'] or 'the last enabled coin'}: {'; '.join(parts)}."})
    return {"expected": freshness["expected"], "enabled": freshness["enabled"], "stale": freshness["stale"],
            "lights": lights}


def exchange_connection(*, mode: str, venue: str = "coinex") -> dict[str, Any]:
    """The header's exchange light: the last cycle's outcome in the current book (``mode`` on
    ``venue``: ``ok``, ``failed``), ``idle`` when paused or before the first cycle; named for
    the chosen venue (``venue_name``: CoinEx, Binance USD-M)."""
    try:
        venue_name = VENUE_NAMES[venue_parse(str(venue))]
    except ValueError:
        venue_name = str(venue)
    if mode == "paused":
        return {"state": "idle", "detail": f"paused: no exchange calls ({venue_name} chosen)", "mode": mode,
                "venue_name": venue_name}
    skipped = [CycleOutcome.PAUSED, CycleOutcome.BUSY, CycleOutcome.RUNNING]
    cycle = CycleLog.objects.filter(mode=mode, venue=venue).exclude(outcome__in=skipped) \
        .order_by("-started_at").first()
    target = f"paper exchange with {venue_name}'s rules" if mode == "dry-run" else venue_name
    if cycle is None:
        return {"state": "idle", "detail": f"{target}: no cycle yet", "mode": mode, "venue_name": venue_name}
    ok = cycle.outcome == CycleOutcome.OK
    detail = f"{target}: last cycle {cycle.outcome} at {cycle.started_at:%H:%M:%S} UTC"
    if not ok and cycle.errors:
        detail += f" ({cycle.errors[-1]})"
    return {"state": "ok" if ok else "failed", "detail": detail, "mode": mode, "venue_name": venue_name}
