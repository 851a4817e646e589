"""The venue status gate end to end against the loopback exchanges: a market Binance sets to
reduce-only takes no live entry, the operator is alerted once and the header shows why, exits
still run; switching to live on a venue that is closed is refused with the reason."""

import logging
from decimal import Decimal as D

import httpx
import pytest
from django.template.loader import render_to_string

from coinex.sandbox import SandboxExchange, SandboxServer
from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer
from ta.models import Symbol
from trader.cycle.run import cycle_run
from trader.models import CloseReason, Decision, Trade, TraderConfig
from trader.selectors import status_as_dict
from trader.services.status import ControlRefused, status_get, trader_mode_set

pytestmark = pytest.mark.django_db

BINANCE_KEY, BINANCE_SECRET = "GATEBINANCEKEY0123456789", "gate-binance-secret-0123456789abcdef"
SANDBOX_SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRPUSDT")
COINEX_ID, COINEX_SECRET = "GATECOINEXACCESSID0123456789AB", "gate-coinex-secret-key-0123456789abcdef"


@pytest.fixture(scope="module")
def binance_server():
    server = BinanceSandboxServer(sandbox=BinanceSandbox(api_key=BINANCE_KEY, secret_key=BINANCE_SECRET)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def coinex_server():
    server = SandboxServer(exchange=SandboxExchange(access_id=COINEX_ID, secret_key=COINEX_SECRET))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def binance_live(binance_server, settings, operator):
    """Live on the Binance venue, chosen by the config and reached through the factory."""
    binance_server.sandbox.reset(balance=D("1000"))
    settings.BINANCE_FUTURES_BASE_URL = binance_server.base_url
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = BINANCE_KEY, BINANCE_SECRET
    TraderConfig.objects.update_or_create(pk=1, defaults={"venue": "binance"})
    # The coins the loopback Binance lists (a coin it does not list would read closed, rightly).
    Symbol.objects.exclude(symbol__in=SANDBOX_SYMBOLS).update(enabled=False)
    trader_mode_set(mode="live", actor=operator, confirm_live=True)  # the real venue check: open
    return binance_server


def admin(server, hook, **body):
    answer = httpx.post(f"{server.base_url}/_sandbox/{hook}", json=body, timeout=5).json()
    assert answer["code"] == 0, answer
    return answer["data"]


def venue_alerts(caplog):
    return [r for r in caplog.records if getattr(r, "alert", None) == "venue_status"]


def test_a_reduce_only_market_takes_no_entry_alerts_once_shows_in_the_header_and_exits_still_run(
        binance_live, market, caplog):
    caplog.set_level(logging.WARNING)
    admin(binance_live, "price", symbol="BTCUSDT", price="50000")
    market.scan("BTCUSDT", long=70, price="50000")
    assert cycle_run().outcome == "ok"
    trade = Trade.objects.get()
    assert status_as_dict(status_get())["venue_status"] is None  # all open: no pill
    assert venue_alerts(caplog) == []

    market.clear_scans()
    admin(binance_live, "status", symbol="ETHUSDT", status="PRE_DELIVERING")  # Binance: reduce-only
    admin(binance_live, "price", symbol="ETHUSDT", price="2400")
    market.scan("ETHUSDT", long=70, price="2400")
    admin(binance_live, "price", symbol="BTCUSDT", price="49000")  # the open position's stop fires
    market.price("BTCUSDT", "49000")
    for _ in range(2):  # the second cycle finds the same state: no second alert
        log = cycle_run()
        assert log.outcome == "ok", log.errors

    refused = Decision.objects.filter(symbol="ETHUSDT")
    assert refused.exists() and all(d.outcome == Decision.Outcome.SKIPPED for d in refused)
    assert "ETHUSDT on binance is reduce_only" in refused.first().reason
    assert not Trade.objects.filter(symbol="ETHUSDT").exists()
    trade.refresh_from_db()
    assert trade.close_reason == CloseReason.STOP_LOSS  # the exit still ran
    alerts = venue_alerts(caplog)
    assert len(alerts) == 1 and "ETHUSDT on binance is reduce_only" in alerts[0].getMessage()

    shown = status_as_dict(status_get())["venue_status"]
    assert (shown["label"], shown["markets"]) == ("ETHUSDT reduce_only", {"ETHUSDT": "reduce_only"})
    header = render_to_string("dashboard/partials/header_status.html", {"payload": {
        "header": {"mode": "live", "exchange": {}, "freshness": {}},
        "trader": {"status": status_as_dict(status_get())}}})
    assert 'id="venue-status"' in header and ">ETHUSDT reduce_only</span>" in header
    assert "ETHUSDT on binance is reduce_only" in header  # the tooltip's reason

    admin(binance_live, "status", symbol="ETHUSDT", status="TRADING")  # open again: one more alert, header clears
    cycle_run()
    assert status_as_dict(status_get())["venue_status"] is None
    assert len(venue_alerts(caplog)) == 2 and "open again" in venue_alerts(caplog)[1].getMessage()


def test_switching_to_live_on_a_closed_venue_is_refused_with_the_reason(coinex_server, settings, operator,
                                                                        monkeypatch):
    coinex_server.exchange.reset(balance=D("1000"))
    settings.COINEX_BASE_URL = coinex_server.base_url
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = COINEX_ID, COINEX_SECRET
    monkeypatch.setattr(coinex_server.exchange, "markets", {})  # CoinEx lists no futures market: ceased
    with pytest.raises(ControlRefused, match="switching to live refused: coinex is closed"):
        trader_mode_set(mode="live", actor=operator, confirm_live=True)
    assert status_get().mode == "paused"
    monkeypatch.undo()  # the markets are back: the same switch goes through
    assert trader_mode_set(mode="live", actor=operator, confirm_live=True).mode == "live"


def test_switching_to_live_on_binance_with_no_symbol_trading_is_refused(binance_server, settings, operator):
    binance_server.sandbox.reset(balance=D("1000"))
    settings.BINANCE_FUTURES_BASE_URL = binance_server.base_url
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = BINANCE_KEY, BINANCE_SECRET
    TraderConfig.objects.update_or_create(pk=1, defaults={"venue": "binance"})
    for symbol in list(binance_server.sandbox.account.specs):  # every symbol the server lists
        admin(binance_server, "status", symbol=symbol, status="SETTLING")
    with pytest.raises(ControlRefused, match="binance is suspended"):
        trader_mode_set(mode="live", actor=operator, confirm_live=True)
    assert status_get().mode == "paused"
