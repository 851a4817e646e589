"""Render once, broadcast: the producer side of the live push (DESIGN.md "Live push").

A producer (the scan, the candle fetch, the trader cycle, the error log) calls
``config.bus.push.push_event``; in its process ``live_publish`` then

1. builds the live payload once and renders every region of each page the event
   concerns once (the same partial templates as the first page load),
2. compares each region, and each coin card on its own, with what that page's sockets
   were last sent (digests in Redis),
3. stores the full rendering as the page's snapshot (one per page, shared by every
   socket: a (re)connecting page gets it without any rendering), and
4. sends each page group one ``live.delta`` with only what changed: whole regions, the
   changed cards, and the price alone when only a card's price moved.

Every message to a page group carries the group's sequence number and the time it was
produced; a page that sees a gap asks for the snapshot. Producers take one Redis lock
while they render and send, so sequence numbers, snapshots and digests move together.
The consumers (``dashboard.consumers``) only forward the finished text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from config.bus.client import json_dumps, redis_client
from config.bus.push import groups_forward, live_publisher_register
from config.bus.schema import (
    KEY_LIVE_EPOCH,
    KEY_LIVE_RENDER_LOCK,
    KEY_LIVE_STATS,
    LIVE_HASHES_TTL_S,
    LIVE_SNAPSHOT_TTL_S,
    Event,
    Group,
    group_live_page,
    key_live_hashes,
    key_live_seq,
    key_live_snapshot,
)
from config.logging import Category

logger = logging.getLogger(__name__)

PAGE_OTHER = "other"
LIVE_PAGES = ("scanner", "trader", "symbol", "settings", "backtests", "backtest", "signals", PAGE_OTHER)
RENDER_LOCK_TIMEOUT_S = 30
RENDER_LOCK_WAIT_S = 20

CARDS_REGION = "coin-cards"
_CARD = re.compile(r'<article class="card[^"]*" data-symbol="(?P<symbol>[A-Z0-9]+)".*?</article>', re.S)
# What moves on a card from one fetch or scan to the next: the texts marked ``data-v`` and the sort
# keys. A card whose markup is otherwise unchanged is sent as those values alone (~10 short strings).
_VALUE_TEXT = re.compile(r'(data-v="(?P<name>[a-z-]+)"[^>]*>)(?P<text>[^<]*)')
_VALUE_ATTR = re.compile(r'(data-(?P<name>score|change|long|short)=")(?P<text>[^"]*)')
# Tables whose rows are sent one by one (a row per symbol): ``{region id: the pattern of one row}``.
# The page keeps its own sort and filter of the rows; the server renders them in symbol order.
ROW_REGIONS = {
    "signal-rows": re.compile(r'<tr class="signal-row[^"]*" data-symbol="(?P<symbol>[A-Z0-9]+)".*?</tr>', re.S),
}

# Events whose payload the pages show as it is (no region of theirs renders it).
FORWARDED = {Event.ECHO: LIVE_PAGES, Event.BACKTEST_PROGRESS: ("backtests", "backtest"),
             Event.STUDY_PROGRESS: ("backtests", "backtest")}


def live_page(page: str) -> str:
    """The live group name of a page as the browser names it (unknown pages share ``other``)."""
    return page if page in LIVE_PAGES else PAGE_OTHER


def pages_rendered_for(*, event: Event, payload: Any) -> tuple[str, ...] | None:
    """The pages whose own regions ``event`` can change; ``()`` when only the regions every page
    shares (header, error log) can; None when it changes nothing rendered (a single coin's TA
    result ahead of the scan's end, an echo)."""
    if event == Event.SCAN:
        return ("scanner",)
    if event == Event.REGIMES:  # the structure scan: regimes on the cards, trading signals in the table
        return ("scanner", "signals")
    if event == Event.MARK_PRICES:  # the cards' prices and the positions' mark and PnL
        return ("scanner", "trader")
    if event in (Event.TRADER_STATUS, Event.TRADER_EVENT, Event.POSITIONS):
        config_changed = isinstance(payload, dict) and "config" in payload  # thresholds show on the cards
        return ("trader", "scanner") if config_changed else ("trader",)
    if event in (Event.BACKTEST_PROGRESS, Event.STUDY_PROGRESS):  # at most ~20 a run: the tables show progress
        return ("backtests",)
    if event in (Event.ERROR, Event.COIN_DATA):  # new candles: the data age (cards change with the scan after)
        return ()
    return None


def page_render(*, page: str, payload: dict[str, Any]) -> dict[str, str]:
    """``{element id: html}`` of every live region of ``page`` (its own and the common ones)."""
    from dashboard.fragments import page_fragments

    return page_fragments(page=page if page != PAGE_OTHER else "", payload=payload)


def live_epoch(client=None) -> str:
    """The token of the current run of sequence numbers (made on first use; gone with a Redis restart)."""
    client = client or redis_client()
    epoch = client.get(KEY_LIVE_EPOCH)
    if epoch is None:
        client.set(KEY_LIVE_EPOCH, secrets.token_hex(4), nx=True)
        epoch = client.get(KEY_LIVE_EPOCH)
    return epoch


def snapshot_build(*, page: str, epoch: str, seq: int, payload: dict[str, Any], fragments: dict[str, str]) -> str:
    """The snapshot message of ``page`` as JSON text (what a (re)connecting socket receives)."""
    return json_dumps({"event": str(Event.SNAPSHOT), "epoch": epoch, "seq": seq, "at": timezone.now().isoformat(),
                       "page": page, "data": payload, "fragments": fragments})


def live_snapshot_text(*, page: str) -> str:
    """``page``'s snapshot as JSON text: the cached rendering, or one rendered now and cached.

    Rendered here only when no producer has cached one yet (a fresh start, or a quiet
    platform past ``LIVE_SNAPSHOT_TTL_S``); stored only if no producer sent anything meanwhile.
    """
    page = live_page(page)
    client = redis_client()
    cached = client.get(key_live_snapshot(page))
    if cached:
        return cached
    epoch, seq = live_epoch(client), int(client.get(key_live_seq(page)) or 0)
    from dashboard.payload import live_payload

    payload = live_payload()
    text = snapshot_build(page=page, epoch=epoch, seq=seq, payload=payload,
                          fragments=page_render(page=page, payload=payload))
    if int(client.get(key_live_seq(page)) or 0) == seq:
        client.set(key_live_snapshot(page), text, ex=LIVE_SNAPSHOT_TTL_S)
    return text


def live_snapshot_cached(*, page: str) -> str | None:
    """``page``'s cached snapshot text, None when there is none (no rendering here)."""
    return redis_client().get(key_live_snapshot(live_page(page)))


def live_position(*, page: str) -> tuple[str, int]:
    """``(epoch, sequence number of the last message sent to page's group)``; 0 before any."""
    client = redis_client()
    return live_epoch(client), int(client.get(key_live_seq(live_page(page))) or 0)


def live_position_or_none(*, page: str) -> tuple[str, int] | None:
    """``live_position``, or None when Redis cannot say (the page then takes the first snapshot it gets)."""
    import redis

    try:
        return live_position(page=page)
    except (OSError, redis.RedisError):
        return None


def live_publish(*, group: Group, event: Event, payload: Any) -> None:
    """Render what ``event`` changed once and send each page group only that (see the module doc).

    Raises ``OSError``/``redis.RedisError`` when Redis is down (``push_event`` logs the outage).
    """
    client = redis_client()
    with client.lock(KEY_LIVE_RENDER_LOCK, timeout=RENDER_LOCK_TIMEOUT_S, blocking_timeout=RENDER_LOCK_WAIT_S):
        started = time.thread_time()
        messages = _messages(client, event=event, payload=payload)
        if messages:
            groups_forward(messages=[(group_live_page(page), text) for page, text in messages])
        _stats_add(client, event=event, cpu_s=time.thread_time() - started,
                   sent=sum(len(text) for _, text in messages))


def _stats_add(client, *, event: Event, cpu_s: float, sent: int) -> None:
    """Count this push's producer work (CPU of this thread, message text) under its cause."""
    client.pipeline(transaction=False).hincrby(KEY_LIVE_STATS, f"{event}:count", 1) \
        .hincrby(KEY_LIVE_STATS, f"{event}:cpu_us", round(cpu_s * 1e6)) \
        .hincrby(KEY_LIVE_STATS, f"{event}:bytes", sent).execute()


def live_stats() -> dict[str, dict[str, int]]:
    """``{cause: {"count", "cpu_us", "bytes"}}``: the producers' live-push work since Redis started."""
    stats: dict[str, dict[str, int]] = {}
    for field_name, value in redis_client().hgetall(KEY_LIVE_STATS).items():
        cause, _, name = field_name.rpartition(":")
        stats.setdefault(cause, {})[name] = int(value)
    return stats


def _messages(client, *, event: Event, payload: Any) -> list[tuple[str, str]]:
    """``(page, message text)`` for every page that has something to receive."""
    from dashboard.payload import live_payload

    messages: list[tuple[str, str]] = []
    epoch = live_epoch(client)
    for page in FORWARDED.get(event, ()):
        seq = client.incr(key_live_seq(page))
        messages.append((page, json_dumps({"event": str(event), "epoch": epoch, "seq": seq,
                                           "at": timezone.now().isoformat(), "data": payload})))
    pages = pages_rendered_for(event=event, payload=payload)
    if pages is None:
        return messages
    live = live_payload()
    rendered = set(pages)
    common: dict[str, str] | None = None
    for page in LIVE_PAGES:
        if page in rendered:
            fragments = page_render(page=page, payload=live)
        else:
            if common is None:
                common = _common_render(payload=live)
            fragments = common
        delta = _delta(client, page=page, fragments=fragments, complete=page in rendered)
        if delta is None:
            continue
        seq = client.incr(key_live_seq(page))
        at = timezone.now().isoformat()
        _snapshot_store(client, page=page, epoch=epoch, seq=seq, payload=live, fragments=fragments,
                        complete=page in rendered)
        messages.append((page, json_dumps({"event": str(Event.DELTA), "epoch": epoch, "seq": seq, "at": at,
                                           "cause": str(event),
                                       "data": {"header": live["header"], "generatedAt": live["generatedAt"]},
                                       **delta})))
    return messages


def _snapshot_store(client, *, page: str, epoch: str, seq: int, payload: dict[str, Any],
                    fragments: dict[str, str], complete: bool) -> None:
    """Keep ``page``'s cached snapshot current: replaced by a complete rendering, patched with the
    common regions otherwise (left absent when there is none to patch: rendered on the next request)."""
    key = key_live_snapshot(page)
    if not complete:
        cached = client.get(key)
        if not cached:
            return
        fragments = {**json.loads(cached)["fragments"], **fragments}
    client.set(key, snapshot_build(page=page, epoch=epoch, seq=seq, payload=payload, fragments=fragments),
               ex=LIVE_SNAPSHOT_TTL_S)


def _common_render(*, payload: dict[str, Any]) -> dict[str, str]:
    from django.template.loader import render_to_string

    from dashboard.fragments import COMMON_REGIONS, page_context

    context = page_context(page="", payload=payload)
    return {element_id: render_to_string(template, context) for element_id, template in COMMON_REGIONS.items()}


def _delta(client, *, page: str, fragments: dict[str, str], complete: bool) -> dict[str, Any] | None:
    """What changed on ``page`` against the digests of what it was last sent (updated here); None if nothing."""
    key = key_live_hashes(page)
    sent = client.hgetall(key)
    new: dict[str, str] = {}
    regions: dict[str, str] = {}
    cards: dict[str, str] = {}
    values: dict[str, dict[str, dict[str, str]]] = {}
    rows: dict[str, dict[str, str]] = {}
    for element_id, html in fragments.items():
        if element_id in ROW_REGIONS:
            changed = _rows_changed(sent, new, element_id=element_id, html=html)
            if changed is None:
                regions[element_id] = html
            elif changed:
                rows[element_id] = changed
            continue
        if element_id == CARDS_REGION:
            card_html = {match["symbol"]: match[0] for match in _CARD.finditer(html)}
            order = _digest(",".join(card_html))
            new[f"{CARDS_REGION}:order"] = order
            if sent.get(f"{CARDS_REGION}:order") != order:
                regions[element_id] = html  # a coin came or went: the whole board
            for symbol, card in card_html.items():
                stable = _digest(_VALUE_ATTR.sub(r"\1", _VALUE_TEXT.sub(r"\1", card)))
                full = _digest(card)
                new[f"card:{symbol}"], new[f"values:{symbol}"] = stable, full
                if element_id in regions:
                    continue
                if sent.get(f"card:{symbol}") != stable:
                    cards[symbol] = card
                elif sent.get(f"values:{symbol}") != full:
                    values[symbol] = _card_values(card)
            continue
        new[element_id] = _digest(html)
        if sent.get(element_id) != new[element_id]:
            regions[element_id] = html
    if complete:
        stale = set(sent) - set(new)
        if stale:
            client.hdel(key, *stale)
    client.hset(key, mapping=new)
    client.expire(key, LIVE_HASHES_TTL_S)
    if not (regions or cards or values or rows):
        return None
    return {"fragments": regions, "cards": cards, "values": values, "rows": rows}


def _rows_changed(sent: dict[str, str], new: dict[str, str], *, element_id: str, html: str) -> dict[str, str] | None:
    """``{symbol: row html}`` of the rows of table ``element_id`` that changed since it was last sent
    (digests put in ``new``); None when a row came or went (the whole table is sent)."""
    row_html = {match["symbol"]: match[0] for match in ROW_REGIONS[element_id].finditer(html)}
    whole = _digest(html if not row_html else ",".join(sorted(row_html)))  # an empty table's text is its state
    new[f"{element_id}:rows"] = whole
    for symbol, row in row_html.items():
        new[f"{element_id}:{symbol}"] = _digest(row)
    if sent.get(f"{element_id}:rows") != whole:
        return None
    return {symbol: row for symbol, row in row_html.items()
            if sent.get(f"{element_id}:{symbol}") != new[f"{element_id}:{symbol}"]}


def _card_values(card: str) -> dict[str, dict[str, str]]:
    """A rendered card's moving values: ``{"v": {data-v name: html text}, "a": {sort key: value}}``."""
    return {"v": {match["name"]: match["text"] for match in _VALUE_TEXT.finditer(card)},
            "a": {match["name"]: match["text"] for match in _VALUE_ATTR.finditer(card)}}


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def live_hashes_forget(pages: Iterable[str] = LIVE_PAGES) -> None:
    """Forget what every page was sent (the next event sends whole regions); for tests and resets."""
    client = redis_client()
    client.delete(*(key_live_hashes(page) for page in pages), *(key_live_snapshot(page) for page in pages))


def live_install() -> None:
    """Make ``push_event`` render through this module (called once per process at start-up)."""
    live_publisher_register(_publish_safely)


def _publish_safely(*, group: Group, event: Event, payload: Any) -> None:
    """``live_publish``; a failure of the rendering never fails the producer (a trade, a scan).

    A Redis outage is raised on to ``push_event``, which logs it once per outage; anything
    else is logged here and the push is dropped (the pages resync on their next message).
    """
    import redis
    from redis.exceptions import LockError

    try:
        live_publish(group=group, event=event, payload=payload)
    except LockError as error:
        logger.warning("live push of %s skipped: render lock not free (%s)", event, error,
                       extra={"category": Category.SYSTEM})
    except (OSError, redis.RedisError):
        raise
    except Exception:  # the producer is trading or scanning: it must go on
        logger.exception("live push of %s failed", event, extra={"category": Category.SYSTEM})
