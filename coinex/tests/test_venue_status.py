"""The venue status gate of each exchange: CoinEx from its market list, paper always open."""

from __future__ import annotations

from decimal import Decimal

from coinex.paper import PaperExchange
from coinex.venue import VenueState, VenueStatus, venue_parse, venue_status_read, worst_state


def test_coinex_open_with_its_markets(client):
    status = venue_status_read(exchange=client, symbols=["BTCUSDT"])
    assert status.state == VenueState.OPEN and status.entries_allowed(symbol="BTCUSDT")


def test_a_market_coinex_stops_listing_is_closed_for_entries(client, sandbox, monkeypatch):
    monkeypatch.delitem(sandbox.server.exchange.markets, "DOGEUSDT")
    status = client.venue_status(symbols=["DOGEUSDT", "BTCUSDT"])
    assert status.markets["DOGEUSDT"] == VenueState.CLOSED and status.markets["BTCUSDT"] == VenueState.OPEN
    assert "DOGEUSDT on coinex is closed" in status.entry_refusal(symbol="DOGEUSDT")


def test_coinex_listing_no_market_is_a_closed_venue(client, sandbox, monkeypatch):
    monkeypatch.setattr(sandbox.server.exchange, "markets", {})
    status = client.venue_status(symbols=["BTCUSDT"])
    assert status.state == VenueState.CLOSED
    assert status.entry_refusal() == "coinex is closed: CoinEx lists no futures market"


def test_coinex_unreachable_is_unknown_and_refuses_entries(client, sandbox):
    sandbox.fail(http_status=502, count=6)
    status = venue_status_read(exchange=client, symbols=["BTCUSDT"])
    assert status.state == VenueState.UNKNOWN and not status.entries_allowed()


def test_paper_is_always_open(db):
    paper = PaperExchange(price_provider=lambda symbol: Decimal("1"))
    assert venue_status_read(exchange=paper, symbols=["BTCUSDT"]).entries_allowed(symbol="BTCUSDT")


def test_an_exchange_without_a_status_reads_unknown():
    assert venue_status_read(exchange=object()).state == VenueState.UNKNOWN


def test_reduce_only_refuses_entries_and_names_the_reason():
    status = VenueStatus(venue="binance", state=VenueState.REDUCE_ONLY, reason="winding down")
    assert status.entry_refusal(symbol="BTCUSDT") == "binance is reduce_only: winding down"
    assert worst_state([VenueState.OPEN, VenueState.REDUCE_ONLY, VenueState.CLOSED]) == VenueState.CLOSED
    assert venue_parse("binance_usdm") == venue_parse("binance")
