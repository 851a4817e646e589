"""Operator actions: close one, close all, emergency stop (halt first, then close each)."""

from decimal import Decimal as D

import pytest

from trader.cycle.run import cycle_run
from trader.models import AuditEntry, CloseReason, LockKind, Trade
from trader.services.control import emergency_stop, position_close_manual, positions_close_all_manual
from trader.services.status import ControlRefused, status_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_positions(market, paper, dry_run):
    market.scan("BTCUSDT", long=70, price="50000")
    market.scan("ETHUSDT", short=70, price="3000")
    cycle_run(exchange=paper)
    market.clear_scans()
    assert len(paper.positions()) == 2


def test_manual_close_closes_one_position_and_is_audited(two_positions, paper, operator):
    outcome = position_close_manual(symbol="BTCUSDT", actor=operator, exchange=paper)
    assert outcome.closed
    assert [p.symbol for p in paper.positions()] == ["ETHUSDT"]
    assert Trade.objects.get(symbol="BTCUSDT").close_reason == CloseReason.MANUAL
    assert AuditEntry.objects.filter(action="position.close", new_value="BTCUSDT", actor="operator").exists()


def test_closing_a_symbol_without_a_position_is_refused(two_positions, paper, operator):
    with pytest.raises(ControlRefused, match="no open position in SOLUSDT"):
        position_close_manual(symbol="SOLUSDT", actor=operator, exchange=paper)


def test_close_all_reports_each_position(two_positions, paper, operator):
    outcomes = positions_close_all_manual(actor=operator, exchange=paper)
    assert sorted((o.symbol, o.closed) for o in outcomes) == [("BTCUSDT", True), ("ETHUSDT", True)]
    assert not paper.positions()


def test_emergency_stop_locks_then_closes_every_paper_position(two_positions, paper, operator, market):
    outcomes = emergency_stop(actor=operator, exchange=paper)
    assert all(o.closed for o in outcomes) and len(outcomes) == 2
    assert not paper.positions()
    status = status_get()
    assert status.lock_kind == LockKind.EMERGENCY_STOP and "operator" in status.lock_reason
    assert set(Trade.objects.values_list("close_reason", flat=True)) == {CloseReason.EMERGENCY}
    market.scan("SOLUSDT", long=70, price="150")
    cycle_run(exchange=paper)
    assert not paper.positions(), "nothing opens after an emergency stop until the lock is cleared"


def test_emergency_stop_reports_a_position_that_could_not_be_closed(two_positions, paper, operator):
    from coinex.errors import ExchangeTemporaryError

    class FailingOnEth:
        def __getattr__(self, name):
            return getattr(paper, name)

        def position_close(self, *, symbol, client_id, amount=None):
            if symbol == "ETHUSDT":
                raise ExchangeTemporaryError("gateway 502")
            return paper.position_close(symbol=symbol, client_id=client_id, amount=amount)

    outcomes = {o.symbol: o for o in emergency_stop(actor=operator, exchange=FailingOnEth())}
    assert outcomes["BTCUSDT"].closed and not outcomes["ETHUSDT"].closed
    assert "gateway 502" in outcomes["ETHUSDT"].detail
    assert paper.position(symbol="ETHUSDT").amount > D(0)


def test_log_lines_name_the_api_key_that_acted_although_the_log_filter_masks_key_shaped_values():
    from config.logging import redact_text
    from trader.models import AuditVia
    from trader.services.actor import Actor

    key = Actor.for_api_key(name="ops")
    assert key.label == "api-key:ops"  # the audit's form
    assert redact_text(f"by {key.label}") == "by api-key:***"  # why log lines do not use it
    assert redact_text(f"emergency stop by {key.described}") == "emergency stop by API key 'ops'"
    user = Actor(via=AuditVia.API, label="alice")
    assert user.described == "alice"
