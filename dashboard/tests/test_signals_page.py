"""The Signals page: the seed's output table of the latest signal per symbol, and its live rows
(a structure scan sends the rows that changed to the page's group, not the table)."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from config.bus.push import push_event
from config.bus.schema import Event, Group
from dashboard.tests.test_live import PageListener
from dashboard.tooltips import SIGNAL_COLUMNS
from ta.models import TradingSignal
from ta.testing.signals import trading_signal_create

pytestmark = pytest.mark.django_db

SEED_HEADINGS = ["Symbol", "Market Score", "Direction", "Price", "Entry1", "Entry2", "SL", "TP1", "TP2", "TP3",
                 "SwingHigh", "SwingLow", "S/R", "Confluence", "R:R", "Confidence"]


@pytest.fixture
def two_signals(db):
    old = trading_signal_create("BTCUSDT", direction="short", score=40, minutes=0)
    new = trading_signal_create("BTCUSDT", direction="long", score=95, minutes=60)
    sol = trading_signal_create("SOLUSDT", direction="short", score=93, minutes=30, price=156.01, entry1=157.17,
                                sl=159.92, support_level=None, resistance_level=156.77, confluence="OB,SR,RSI")
    return old, new, sol


def test_the_page_needs_a_login(client):
    response = client.get("/signals")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_table_has_the_seeds_columns_and_the_latest_signal_of_each_symbol(operator_client, two_signals):
    html = operator_client.get("/signals").content.decode()
    assert [heading for _, heading, _ in SIGNAL_COLUMNS] == SEED_HEADINGS
    for _, heading, tip in SIGNAL_COLUMNS:
        assert f'data-tip="{escape(tip)}">{escape(heading)}</button>' in html
    assert html.count('class="signal-row') == 2, "one row per symbol"
    btc = html[html.index('data-symbol="BTCUSDT"'):]
    btc = btc[:btc.index("</tr>")]
    assert 'data-direction="long"' in btc and 'data-score="95"' in btc, "BTCUSDT's newest signal, not the older short"
    assert ">101716.8<" in btc and ">101582 / \u2013<" in btc and ">OB,SR,RSI<" in btc
    sol = html[html.index('data-symbol="SOLUSDT"'):]
    assert ">156.01<" in sol[:sol.index("</tr>")] and ">\u2013 / 156.77<" in sol[:sol.index("</tr>")]
    assert 'href="/signals" aria-current="page">Signals</a>' in html, "the nav links the page"


def test_without_signals_the_table_says_why(operator_client):
    assert "No trading signals yet" in operator_client.get("/signals").content.decode()


def _signals_page_receives() -> list[dict]:
    """What the Signals page's sockets are sent for one structure scan's event."""
    listener = PageListener("signals")  # one per event: its receive buffer is bound to one event loop
    push_event(group=Group.DASHBOARD, event=Event.REGIMES, payload={"series": []})
    return listener.messages()


def test_a_structure_scan_sends_only_the_rows_that_changed(two_signals, redis_conn):
    [first] = _signals_page_receives()
    assert first["fragments"]["signal-rows"].count('class="signal-row') == 2, "the whole table, once"
    _, btc, _ = two_signals
    TradingSignal.objects.filter(pk=btc.pk).update(market_score=61, confidence_score=70.2)

    [delta] = _signals_page_receives()
    assert delta["event"] == "live.delta" and "signal-rows" not in delta["fragments"]
    assert list(delta["rows"]["signal-rows"]) == ["BTCUSDT"]
    assert 'data-score="61"' in delta["rows"]["signal-rows"]["BTCUSDT"]

    trading_signal_create("ETHUSDT", score=50)  # a symbol came: the whole table
    [delta] = _signals_page_receives()
    assert 'data-symbol="ETHUSDT"' in delta["fragments"]["signal-rows"] and not delta["rows"]

    assert _signals_page_receives() == [], "nothing changed, nothing sent"


def test_a_new_socket_gets_the_table_from_the_shared_snapshot(two_signals, redis_conn):
    import json

    from dashboard.live import live_snapshot_cached

    _signals_page_receives()
    snapshot = json.loads(live_snapshot_cached(page="signals"))
    assert snapshot["page"] == "signals"
    assert snapshot["fragments"]["signal-rows"].count('class="signal-row') == 2
