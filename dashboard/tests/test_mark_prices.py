"""The pages' prices follow the exchange stream's mark price while it is fresh, and say so; they
fall back to the candle close when the stream is not running or stalled."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from config.bus.client import bus_set_json
from config.bus.schema import key_mark_price
from dashboard import tooltips
from dashboard.cards import coin_cards
from dashboard.payload import live_payload
from dashboard.selectors import MARK_PRICE_FRESH_S
from trader.models import Trade

pytestmark = pytest.mark.django_db


def mark(symbol: str, price: str, *, age_s: float = 1) -> None:
    bus_set_json(key=key_mark_price(symbol), ttl_s=30, payload={
        "symbol": symbol, "mark_price": price, "event_time": timezone.now() - timedelta(seconds=age_s)})


def card(payload, symbol):
    return next(c for c in coin_cards(payload) if c["symbol"] == symbol)


def test_a_fresh_mark_price_shows_on_the_scanner_card_with_its_source(scanned, redis_conn, operator_client):
    mark("BTCUSDT", "61234.5")
    mark("ETHUSDT", "3100", age_s=MARK_PRICE_FRESH_S + 5)  # the stream stalled: not shown
    payload = live_payload()
    btc, eth = card(payload, "BTCUSDT"), card(payload, "ETHUSDT")
    assert (btc["price_text"], btc["tip_price"]) == ("61234.5", tooltips.PRICE_MARK)
    assert eth["price_source"] == "candle" and eth["tip_price"] == tooltips.PRICE
    assert eth["price_text"] != "3100"
    page = html.unescape(operator_client.get("/").content.decode())
    assert f'data-v="price" tabindex="0" data-tip="{tooltips.PRICE_MARK}">61234.5<' in page


def test_open_positions_are_marked_to_the_stream_price_with_pnl_at_it(scanned, redis_conn, operator_client):
    Trade.objects.create(correlation_id="c1", symbol="BTCUSDT", side="long", mode="dry-run", size=Decimal("0.01"),
                         entry_price=Decimal("60000"), leverage=5, margin=Decimal("120"), opened_at=timezone.now())
    assert live_payload()["positions"]["BTCUSDT"]["marked_at"] == "candle"  # no stream
    mark("BTCUSDT", "61000")
    position = live_payload()["positions"]["BTCUSDT"]
    assert (position["marked_at"], Decimal(position["mark_price"])) == ("stream", Decimal("61000"))
    assert Decimal(position["unrealized_pnl"]) == Decimal("10.0000")  # (61000 - 60000) * 0.01
    assert Decimal(position["pnl_pct"]) == Decimal("8.33")
    page = html.unescape(operator_client.get("/trader").content.decode())
    assert f'data-mark-source="stream" data-tip="{tooltips.MARKED_BY["stream"]}">61000<' in page
