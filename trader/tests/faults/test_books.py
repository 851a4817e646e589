"""Fault: switching modes with positions open (issue 16, item 1; docs/RELIABILITY.md "Mode switch
with positions open").

The live book trades on the loopback CoinEx sandbox through the real client, the dry-run book
on the paper exchange; the cycle picks both through the one factory, as in production. What a
user would notice is asserted: the orders each exchange received, the records of each book,
the kill switch, the 409 that names the choice, the unmanaged positions on the API, the page
and in an alert.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from coinex.models import PaperAccount
from coinex.sandbox import SandboxExchange, SandboxServer
from trader.api.keys import api_key_create
from trader.cycle.run import cycle_run
from trader.models import AuditEntry, Book, BookLedger, CloseReason, LockKind, OrderIntent, Trade
from trader.services.status import status_get, trader_mode_set

pytestmark = pytest.mark.django_db

ACCESS_ID = "BOOKSFAULTACCESSID0123456789AB"
SECRET_KEY = "books-fault-secret-key-0123456789abcdef"
LIVE = Book(mode="live", venue="coinex")
PAPER = Book(mode="dry-run", venue="coinex")
PAPER_ACCOUNT = "default"  # the factory's dry-run account


@pytest.fixture(scope="module")
def sandbox_server():
    server = SandboxServer(exchange=SandboxExchange(access_id=ACCESS_ID, secret_key=SECRET_KEY))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server, settings):
    """The live venue: 10,000 USDT on the sandbox (the paper book has 1,000: a 90 % gap the kill
    switch would read as a drawdown if the books shared a reference). Credentials in force."""
    sandbox_server.exchange.reset(balance=D("10000"))
    settings.COINEX_BASE_URL = sandbox_server.base_url
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = ACCESS_ID, SECRET_KEY
    settings.COINEX_PAPER_STARTING_BALANCE = 1000
    return sandbox_server


@pytest.fixture
def api(db) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key_create(name="ops", read_only=False).plain_key)
    return client


def price(server: SandboxServer, market, symbol: str, value: str) -> None:
    """The same price on the live venue and in the market data the paper exchange reads."""
    answer = httpx.post(f"{server.admin_url}/price", json={"market": symbol, "price": value}, timeout=5).json()
    assert answer["code"] == 0, answer
    market.price(symbol, value)


def live_orders_sent(server: SandboxServer) -> int:
    """Order and close requests the live venue has received."""
    return sum(server.exchange.request_counts.values())


def live_positions(server: SandboxServer) -> set[str]:
    return set(server.exchange.account.state.positions)


def paper_state() -> dict[str, Any]:
    """The paper account as stored (its ``next_id`` counts every order it was sent)."""
    account = PaperAccount.objects.filter(name=PAPER_ACCOUNT).first()
    return account.state if account else {}


def records(book: Book) -> list[dict[str, Any]]:
    """Every trade and order intent of ``book``, field by field."""
    return [*Trade.objects.in_book(book).order_by("pk").values(),
            *OrderIntent.objects.in_book(book).order_by("pk").values()]


def open_symbols(book: Book) -> set[str]:
    return set(Trade.objects.in_book(book).open().values_list("symbol", flat=True))


def switch(api: APIClient, capture, **body) -> Any:
    with capture(execute=True):  # run the on-commit work (alerts, announcements) as a real commit would
        return api.post("/api/v1/status/mode", body, format="json")


def test_live_to_dry_run_and_back_with_positions_open_touches_only_the_active_book(
        sandbox, market, api, operator, caplog, django_capture_on_commit_callbacks):
    trader_mode_set(mode="live", actor=operator, confirm_live=True)
    price(sandbox, market, "BTCUSDT", "50000")
    price(sandbox, market, "ETHUSDT", "3000")
    market.scan("BTCUSDT", long=70)
    market.scan("ETHUSDT", long=70)
    assert cycle_run().outcome == "ok"
    assert open_symbols(LIVE) == {"BTCUSDT", "ETHUSDT"} == live_positions(sandbox)
    market.clear_scans()

    # No choice given: refused, naming the positions and both choices; nothing changes.
    refused = switch(api, django_capture_on_commit_callbacks, mode="dry-run")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "open_positions"
    assert "live/coinex: 2 open position(s)" in error["message"] and "BTCUSDT long" in error["message"]
    assert 'open_positions="close"' in error["message"] and 'open_positions="leave"' in error["message"]
    assert status_get().mode == "live"

    # live -> dry-run, leaving the live positions open and unmanaged: recorded, shown, alerted, audited.
    answer = switch(api, django_capture_on_commit_callbacks, mode="dry-run", open_positions="leave")
    assert answer.status_code == 200, answer.json()
    unmanaged = answer.json()["unmanaged_positions"]
    assert {(u["symbol"], u["mode"], u["venue"]) for u in unmanaged} == {("BTCUSDT", "live", "coinex"),
                                                                         ("ETHUSDT", "live", "coinex")}
    assert "[coinex-trader] Positions left unmanaged: 2 position(s) of live/coinex left OPEN" in caplog.text
    assert AuditEntry.objects.get(action="book.leave_unmanaged").actor == "api-key:ops"

    # Dry-run cycles, with the price below the live stop-losses: the paper book trades on its own.
    live_before, live_sent = records(LIVE), live_orders_sent(sandbox)
    market.scan("BTCUSDT", long=70, price="48000")
    first = cycle_run()
    market.clear_scans()
    second = cycle_run()
    assert (first.outcome, second.outcome) == ("ok", "ok"), first.errors + second.errors
    assert (first.mode, first.venue) == ("dry-run", "coinex")
    assert live_orders_sent(sandbox) - live_sent == 0, "orders sent to the live venue by dry-run cycles"
    assert records(LIVE) == live_before, "live records changed by dry-run cycles"
    assert live_positions(sandbox) == {"BTCUSDT", "ETHUSDT"}
    assert open_symbols(PAPER) == {"BTCUSDT"}  # its own paper position
    assert not status_get().is_locked, "the kill switch compared paper equity with the live reference"

    # dry-run -> live: refused without a choice too; leaving the paper position, the live book takes its own back.
    refused = switch(api, django_capture_on_commit_callbacks, mode="live", confirm_live=True)
    assert refused.status_code == 409 and "dry-run/coinex: 1 open position(s) (BTCUSDT long)" in refused.json()[
        "error"]["message"]
    assert status_get().mode == "dry-run"
    answer = switch(api, django_capture_on_commit_callbacks, mode="live", confirm_live=True, open_positions="leave")
    assert answer.status_code == 200, answer.json()
    assert [(u["symbol"], u["mode"]) for u in answer.json()["unmanaged_positions"]] == [("BTCUSDT", "dry-run")]
    assert not Trade.objects.in_book(LIVE).unmanaged().exists()
    assert AuditEntry.objects.filter(action="book.resume").count() == 1

    paper_before, paper_account_before = records(PAPER), paper_state()
    live_sent = live_orders_sent(sandbox)
    price(sandbox, market, "BTCUSDT", "50100")
    log = cycle_run()
    assert log.outcome == "ok", log.errors
    assert paper_state() == paper_account_before, "orders sent to the paper exchange by a live cycle"
    assert records(PAPER) == paper_before, "paper records changed by a live cycle"
    assert live_orders_sent(sandbox) == live_sent, "the live cycle closed or opened something"
    assert live_positions(sandbox) == {"BTCUSDT", "ETHUSDT"} == open_symbols(LIVE)
    assert not status_get().is_locked


@pytest.mark.parametrize(("leaving", "entering"), [(LIVE, PAPER), (PAPER, LIVE)])
def test_close_first_closes_the_old_books_positions_on_its_own_exchange_only(
        leaving, entering, sandbox, market, api, operator, django_capture_on_commit_callbacks):
    trader_mode_set(mode=leaving.mode, actor=operator, confirm_live=True)
    price(sandbox, market, "BTCUSDT", "50000")
    market.scan("BTCUSDT", long=70)
    assert cycle_run().outcome == "ok"
    market.clear_scans()
    assert open_symbols(leaving) == {"BTCUSDT"}
    live_sent, paper_before = live_orders_sent(sandbox), paper_state()

    answer = switch(api, django_capture_on_commit_callbacks, mode=entering.mode, confirm_live=True,
                    open_positions="close")
    assert answer.status_code == 200, answer.json()
    assert status_get().mode == entering.mode
    closed = Trade.objects.in_book(leaving).get()
    assert closed.close_reason == CloseReason.MANUAL and closed.pnl is not None
    assert answer.json()["unmanaged_positions"] == []
    if leaving == LIVE:
        assert live_orders_sent(sandbox) - live_sent == 1 and not live_positions(sandbox)  # the one close
        assert paper_state() == paper_before, "orders sent to the paper exchange"
    else:
        assert live_orders_sent(sandbox) == live_sent, "orders sent to the live venue"
        assert paper_state()["next_id"] > paper_before["next_id"] and not paper_state()["positions"]
    assert records(entering) == []  # nothing recorded in the book entered
    entry = AuditEntry.objects.get(action="mode.set", new_value=entering.mode)
    assert entry.detail == "open positions of other books: close"


def test_unmanaged_positions_are_shown_on_the_trader_page(sandbox, market, operator):
    trader_mode_set(mode="live", actor=operator, confirm_live=True)
    price(sandbox, market, "ETHUSDT", "3000")
    market.scan("ETHUSDT", short=70)
    assert cycle_run().outcome == "ok"
    trader_mode_set(mode="dry-run", actor=operator, open_positions="leave")
    client = Client()
    client.force_login(get_user_model().objects.get(username="operator"))
    page = client.get("/trader").content.decode()
    assert "1 UNMANAGED position" in page
    assert 'data-unmanaged="live/coinex/ETHUSDT"' in page and "ETHUSDT short" in page


def test_the_kill_switch_reference_is_per_book(sandbox, market, operator):
    """The issue's 'equity 1000 is down 90 %' after live -> dry-run: each book keeps its own reference."""
    trader_mode_set(mode="live", actor=operator, confirm_live=True)
    price(sandbox, market, "BTCUSDT", "50000")  # fresh market data (no staleness lock)
    assert cycle_run().outcome == "ok"  # live reference: 10,000
    trader_mode_set(mode="dry-run", actor=operator)
    log = cycle_run()  # paper equity 1,000
    assert log.outcome == "ok" and not any("kill switch" in action for action in log.actions)
    assert status_get().lock_kind == LockKind.NONE
    assert {(ledger.mode, ledger.starting_balance) for ledger in BookLedger.objects.all()} == {
        ("live", D("10000")), ("dry-run", D("1000"))}


def test_the_control_route_asks_for_the_same_choice(api, market, django_capture_on_commit_callbacks):
    """``POST /api/trader/control`` ``start`` with a mode: refused without ``open_positions``, then leave."""
    from django.utils import timezone

    Trade.objects.create(correlation_id="sig-live", symbol="BTCUSDT", side="long", mode="live", venue="coinex",
                         size=D("0.01"), entry_price=D("50000"), leverage=5, margin=D("100"), opened_at=timezone.now())
    refused = api.post("/api/trader/control", {"action": "start", "mode": "dry-run"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "open_positions"
    assert status_get().mode == "paused"
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("/api/trader/control", {"action": "start", "mode": "dry-run", "open_positions": "leave"},
                          format="json")
    assert answer.status_code == 200, answer.json()
    assert [u["symbol"] for u in answer.json()["status"]["unmanaged_positions"]] == ["BTCUSDT"]
    assert AuditEntry.objects.get(action="book.leave_unmanaged").actor == "api-key:ops"
