"""Render once, broadcast (dashboard.live): what each page group receives for an event, on the
real Redis channel layer."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from config.bus.push import push_event
from config.bus.schema import Event, Group, group_live_page
from dashboard.tests.conftest import scan_real_candles
from ta.models import ScanResult

pytestmark = pytest.mark.django_db


class PageListener:
    """A channel in a page's group, as a socket of that page would be."""

    def __init__(self, page: str) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(group_live_page(page), self.channel)

    def messages(self) -> list[dict]:
        """Every message waiting for this page, oldest first."""
        received = []
        while True:
            try:
                message = async_to_sync(self._receive)()
            except TimeoutError:
                return received
            received.append(json.loads(message["text"]))

    async def _receive(self) -> dict:
        import asyncio

        return await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.5)


@pytest.fixture
def scanned_board(klines_dir, redis_conn):
    scan_real_candles(klines_dir)
    push_event(group=Group.DASHBOARD, event=Event.SCAN, payload={})  # every page has been sent its regions once


def test_a_scan_that_only_moved_a_price_sends_that_cards_values_not_the_card(scanned_board):
    scanner, trader = PageListener("scanner"), PageListener("trader")
    result = ScanResult.objects.get(symbol__symbol="BTCUSDT")
    result.payload = {**result.payload, "price": result.payload["price"] * 1.01}
    result.save()
    push_event(group=Group.DASHBOARD, event=Event.SCAN, payload={})

    [delta] = scanner.messages()
    assert delta["event"] == "live.delta" and delta["cause"] == "scan.update"
    assert delta["cards"] == {} and "coin-cards" not in delta["fragments"]
    assert list(delta["values"]) == ["BTCUSDT"], "only the coin whose price moved"
    values = delta["values"]["BTCUSDT"]
    assert values["v"]["price"] and "change" in values["v"] and "change" in values["a"]
    assert len(json.dumps(delta)) < 4_000, "a price tick is small"
    assert all("values" not in message or not message["values"] for message in trader.messages()), (
        "the trader page has no cards")


def test_a_threshold_change_sends_every_card_and_the_trader_regions(scanned_board, operator_user,
                                                                  django_capture_on_commit_callbacks):
    from trader.models import AuditVia
    from trader.services.actor import Actor
    from trader.services.config import config_update

    operator = Actor.for_user(operator_user, via=AuditVia.PAGE)
    scanner, trader = PageListener("scanner"), PageListener("trader")
    with django_capture_on_commit_callbacks(execute=True):
        config_update(changes={"long_threshold": 47}, actor=operator)
    scanner_messages, trader_messages = scanner.messages(), trader.messages()
    cards = {symbol for message in scanner_messages for symbol in message.get("cards", {})}
    assert {"BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"} <= cards
    assert all("/ 47" in html for message in scanner_messages for html in message["cards"].values())
    regions = {region for message in trader_messages for region in message["fragments"]}
    assert "config-history" in regions
    seqs = [message["seq"] for message in scanner_messages]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "one increasing sequence per page"


def test_an_error_reaches_every_page_as_the_error_log_region(scanned_board):
    import logging

    listeners = {page: PageListener(page) for page in ("scanner", "trader", "symbol", "backtests", "other")}
    logging.getLogger("trader.cycle").error("shown on every page")
    for page, listener in listeners.items():
        [delta] = listener.messages()
        assert "shown on every page" in delta["fragments"]["error-log"], page
        assert "coin-cards" not in delta["fragments"] and not delta["cards"]


def test_the_snapshot_is_rendered_once_and_kept_current_by_the_producer(scanned_board, monkeypatch):
    from dashboard import live

    first = json.loads(live.live_snapshot_text(page="scanner"))
    renders: list[str] = []
    monkeypatch.setattr(live, "page_render", lambda **kwargs: renders.append(kwargs["page"]) or {})
    again = json.loads(live.live_snapshot_text(page="scanner"))
    assert renders == [] and again == first, "served from the cache"
    assert (first["epoch"], first["seq"]) == live.live_position(page="scanner")
    assert 'data-symbol="BTCUSDT"' in first["fragments"]["coin-cards"]


def test_each_push_counts_its_producer_work_under_its_cause(scanned_board):
    from dashboard.live import live_stats

    listener = PageListener("scanner")
    before = live_stats().get("scan.update", {"count": 0, "bytes": 0, "cpu_us": 0})
    result = ScanResult.objects.get(symbol__symbol="BTCUSDT")
    result.payload = {**result.payload, "price": result.payload["price"] * 1.02}
    result.save()
    push_event(group=Group.DASHBOARD, event=Event.SCAN, payload={})
    sent = sum(len(json.dumps(message, separators=(",", ":"))) for message in listener.messages())
    after = live_stats()["scan.update"]
    assert after["count"] == before["count"] + 1
    assert after["cpu_us"] > before["cpu_us"], "the rendering's CPU is counted"
    assert after["bytes"] - before["bytes"] >= sent > 0, "at least what the scanner page was sent"


def test_a_stream_mark_price_reaches_the_scanner_card_as_a_price_value(scanned_board):
    from django.utils import timezone

    from config.bus.client import bus_set_json
    from config.bus.schema import key_mark_price

    def mark(price: str) -> None:
        bus_set_json(key=key_mark_price("BTCUSDT"), ttl_s=30,
                     payload={"symbol": "BTCUSDT", "mark_price": price, "event_time": timezone.now()})
        push_event(group=Group.DASHBOARD, event=Event.MARK_PRICES, payload={"symbols": ["BTCUSDT"]})

    scanner = PageListener("scanner")
    mark("61000.5")
    mark("61001.5")
    first, tick = scanner.messages()
    assert first["cause"] == "mark.prices" and list(first["cards"]) == ["BTCUSDT"]  # its price tooltip changed
    assert tick["cards"] == {} and list(tick["values"]) == ["BTCUSDT"], "the next tick is the price alone"
    assert tick["values"]["BTCUSDT"]["v"]["price"] == "61001.5"


def test_the_cards_oi_funding_line_is_part_of_the_card_and_its_change_detection(scanned_board):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from ta.models import DerivativesPoint, Symbol

    scanner = PageListener("scanner")
    btc = Symbol.objects.get(symbol="BTCUSDT")
    now = timezone.now().replace(second=0, microsecond=0)
    DerivativesPoint.objects.create(symbol=btc, period="5m", time=now - timedelta(minutes=10), source="test",
                                    open_interest_value=Decimal("5500000000"), funding_rate=Decimal("0.0001"))
    push_event(group=Group.DASHBOARD, event=Event.SCAN, payload={})
    [delta] = scanner.messages()
    assert list(delta["cards"]) == ["BTCUSDT"], "first data: the line replaces 'no data', the whole card is sent"
    card = delta["cards"]["BTCUSDT"]
    assert "$5.50B" in card and "+0.0100%" in card and "no data" not in card



def test_a_moved_open_interest_is_sent_as_a_card_value(scanned_board):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from ta.models import DerivativesPoint, Symbol

    btc = Symbol.objects.get(symbol="BTCUSDT")
    now = timezone.now().replace(second=0, microsecond=0)
    DerivativesPoint.objects.create(symbol=btc, period="5m", time=now - timedelta(minutes=10), source="test",
                                    open_interest_value=Decimal("5500000000"), funding_rate=Decimal("0.0001"))
    push_event(group=Group.DASHBOARD, event=Event.SCAN, payload={})  # the line is shown
    scanner = PageListener("scanner")
    DerivativesPoint.objects.create(symbol=btc, period="5m", time=now - timedelta(minutes=5), source="test",
                                    open_interest_value=Decimal("5600000000"))
    push_event(group=Group.DASHBOARD, event=Event.SCAN, payload={})
    [delta] = scanner.messages()
    assert delta["cards"] == {}, "only a value moved"
    assert delta["values"]["BTCUSDT"]["v"]["oi"] == "$5.60B"
