"""Fault: disarming the kill switch by accident (issue 16, item 6; docs/RELIABILITY.md "Kill-switch re-arm").

``POST /kill-switch/rearm {"equity": 0}`` was accepted and the switch never fired again (a zero
reference reads as no drawdown). The kill switch here trips for real: a live cycle on the
loopback CoinEx sandbox records 10,000 USDT, the account loses 60 %, the next cycle latches.
"""

from __future__ import annotations

from decimal import Decimal as D

import httpx
import pytest
from rest_framework.test import APIClient

from coinex.sandbox import SandboxExchange, SandboxServer
from trader.api.keys import api_key_create
from trader.cycle.run import cycle_run
from trader.models import AuditEntry, BookLedger, LockKind
from trader.services.status import status_get, trader_mode_set

pytestmark = pytest.mark.django_db

ACCESS_ID = "REARMFAULTACCESSID0123456789AB"
SECRET_KEY = "rearm-fault-secret-key-0123456789abcdef"
REARM = "/api/v1/kill-switch/rearm"


@pytest.fixture(scope="module")
def sandbox_server():
    server = SandboxServer(exchange=SandboxExchange(access_id=ACCESS_ID, secret_key=SECRET_KEY))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(db) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key_create(name="ops", read_only=False).plain_key)
    return client


@pytest.fixture
def latched(sandbox_server, settings, market, operator):
    """Live on the sandbox: the first cycle records 10,000 USDT, the account then loses 60 %, and the
    next cycle latches the kill switch (limit 50 %)."""
    exchange = sandbox_server.exchange
    exchange.reset(balance=D("10000"))
    settings.COINEX_BASE_URL = sandbox_server.base_url
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = ACCESS_ID, SECRET_KEY
    market.price("BTCUSDT", "50000")  # fresh market data
    trader_mode_set(mode="live", actor=operator, confirm_live=True)
    assert cycle_run().outcome == "ok"
    exchange.reset(balance=D("4000"))
    cycle_run()
    assert status_get().lock_kind == LockKind.KILL_SWITCH
    return sandbox_server


def ledger() -> BookLedger:
    return BookLedger.objects.get(mode="live", venue="coinex")


@pytest.mark.parametrize("equity", [0, 0.0, -1])
def test_a_zero_or_negative_equity_is_refused_and_the_switch_stays_latched(latched, api, equity):
    answer = api.post(REARM, {"equity": equity}, format="json")
    assert answer.status_code == 400
    assert "positive" in answer.json()["error"]["fields"]["equity"][0]
    assert status_get().lock_kind == LockKind.KILL_SWITCH
    assert ledger().starting_balance == D("10000")
    assert not AuditEntry.objects.filter(action__startswith="kill_switch.").exists()


def test_an_equity_far_from_the_exchanges_is_refused(latched, api):
    answer = api.post(REARM, {"equity": 1}, format="json")
    assert answer.status_code == 409
    assert "the exchange reports 4000" in answer.json()["error"]["message"]
    assert status_get().lock_kind == LockKind.KILL_SWITCH and ledger().starting_balance == D("10000")


def test_rearm_takes_the_exchanges_equity_audits_who_and_the_switch_fires_again(latched, api):
    answer = api.post(REARM, {}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["locked"] is False and answer.json()["starting_balance"] == "4000.00000000"
    assert (ledger().starting_balance, ledger().equity_peak) == (D("4000"), D("4000"))
    rearm = AuditEntry.objects.get(action="kill_switch.rearm")
    assert rearm.actor == "api-key:ops"
    assert "re-armed by API key 'ops' at reference 4000 USDT (live/coinex" in rearm.detail
    rebase = AuditEntry.objects.get(action="kill_switch.rebase")
    assert (rebase.old_value, rebase.new_value) == ("10000", "4000")

    assert cycle_run().outcome == "ok" and not status_get().is_locked  # at the new reference: no drawdown
    latched.exchange.reset(balance=D("1500"))  # down 62.5 % from 4,000
    cycle_run()
    assert status_get().lock_kind == LockKind.KILL_SWITCH, "the re-armed kill switch did not fire again"


def test_a_matching_equity_is_accepted_as_a_cross_check(latched, api):
    answer = api.post(REARM, {"equity": 3990}, format="json")  # within 2 % of the exchange's 4,000
    assert answer.status_code == 200
    assert ledger().starting_balance == D("4000")  # the exchange's figure, not the typed one


def test_with_the_exchange_unreachable_it_is_not_rearmed(latched, api):
    httpx.post(f"{latched.admin_url}/fail", json={"http_status": 502, "count": 20}, timeout=5)
    answer = api.post(REARM, {}, format="json")
    assert answer.status_code == 503
    assert status_get().lock_kind == LockKind.KILL_SWITCH and ledger().starting_balance == D("10000")


def test_while_paused_there_is_no_book_to_read_and_it_is_refused(latched, api, operator):
    trader_mode_set(mode="paused", actor=operator)
    answer = api.post(REARM, {}, format="json")
    assert answer.status_code == 409 and "paused" in answer.json()["error"]["message"]
    assert status_get().lock_kind == LockKind.KILL_SWITCH
