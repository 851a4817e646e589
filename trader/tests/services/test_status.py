"""Mode, on/off and locks: the safety rules of DESIGN.md, each able to fail if removed."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from config.bus.schema import KEY_STATE_TRADER_STATUS
from trader.models import AuditEntry, AuditVia, BookLedger, LockKind, TraderMode
from trader.services.actor import Actor
from trader.services.status import (
    ControlRefused,
    kill_switch_rearm,
    lock_clear,
    lock_trip,
    status_get,
    trader_enabled_set,
    trader_mode_set,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return Actor.for_user(get_user_model().objects.create_user("operator"), via=AuditVia.PAGE)


def has_credentials():
    return True


def no_credentials():
    return False


def venue_open(*, venue):
    return None  # the venue's status reads open (its own checks: trader/tests/cycle/test_venue_gate.py)


def test_a_new_install_is_paused_enabled_and_unlocked():
    status = status_get()
    assert (status.mode, status.enabled, status.is_locked) == ("paused", True, False)


def test_live_needs_an_explicit_confirmation(operator):
    with pytest.raises(ControlRefused, match="explicit confirmation"):
        trader_mode_set(mode="live", actor=operator, credentials_check=has_credentials,
                        venue_check=venue_open)
    assert status_get().mode == TraderMode.PAUSED


def test_live_needs_credentials(operator):
    with pytest.raises(ControlRefused, match="needs CoinEx credentials"):
        trader_mode_set(mode="live", actor=operator, confirm_live=True, credentials_check=no_credentials)
    assert status_get().mode == TraderMode.PAUSED


@pytest.mark.parametrize("mode", ["live", "dry-run"])
def test_the_bot_itself_can_never_raise_the_risk(mode):
    with pytest.raises(ControlRefused, match="authenticated user"):
        trader_mode_set(mode=mode, actor=Actor.system(), confirm_live=True, credentials_check=has_credentials,
                        venue_check=venue_open)
    assert status_get().mode == TraderMode.PAUSED


def test_an_authenticated_confirmed_switch_to_live_is_audited(operator):
    status = trader_mode_set(mode="live", actor=operator, confirm_live=True, credentials_check=has_credentials,
                        venue_check=venue_open)
    assert status.mode == "live" and status.started_at is not None
    entry = AuditEntry.objects.get(action="mode.set")
    assert (entry.actor, entry.old_value, entry.new_value) == ("operator", "paused", "live")


def test_anyone_including_the_bot_may_pause(operator):
    trader_mode_set(mode="dry-run", actor=operator)
    assert trader_mode_set(mode="paused", actor=Actor.system()).mode == "paused"


def test_unknown_mode_is_refused(operator):
    with pytest.raises(ControlRefused, match="unknown mode"):
        trader_mode_set(mode="yolo", actor=operator)


def test_enabling_while_locked_is_refused_until_the_lock_is_cleared(operator):
    trader_enabled_set(enabled=False, actor=operator)
    lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="3 consecutive failed cycles")
    with pytest.raises(ControlRefused, match="locked"):
        trader_enabled_set(enabled=True, actor=operator)
    lock_clear(actor=operator)
    assert trader_enabled_set(enabled=True, actor=operator).enabled is True
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["status.disable", "lock.trip", "lock.clear", "status.enable"]


def test_a_weaker_lock_never_replaces_a_stronger_one():
    lock_trip(kind=LockKind.KILL_SWITCH, reason="drawdown 51%")
    status = lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="failures")
    assert (status.lock_kind, status.lock_reason) == ("kill_switch", "drawdown 51%")
    assert lock_trip(kind=LockKind.EMERGENCY_STOP, reason="operator").lock_kind == "emergency_stop"


def test_the_kill_switch_stays_latched_until_a_user_rearms_it(operator, paper, dry_run):
    lock_trip(kind=LockKind.KILL_SWITCH, reason="drawdown 51%")
    with pytest.raises(ControlRefused, match="re-arm"):
        lock_clear(actor=operator)
    with pytest.raises(ControlRefused, match="authenticated"):
        kill_switch_rearm(actor=Actor.system(), exchange=paper)
    status = kill_switch_rearm(actor=operator, exchange=paper)
    assert not status.is_locked
    ledger = BookLedger.objects.get(mode="dry-run", venue="coinex")
    assert ledger.starting_balance == Decimal("1000") and ledger.equity_peak == Decimal("1000")  # the paper equity


def test_clearing_a_lock_needs_an_authenticated_user():
    lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="failures")
    with pytest.raises(ControlRefused):
        lock_clear(actor=Actor.system())
    assert status_get().is_locked


@pytest.mark.django_db(transaction=True)
def test_the_lock_is_mirrored_to_the_lockfile_and_removed_when_cleared(operator, settings, tmp_path):
    settings.TRADER_LOCKFILE_DIR = str(tmp_path)
    lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="3 consecutive failed cycles")
    lockfile = tmp_path / "live-trader-lock.json"
    assert json.loads(lockfile.read_text())["reason"] == "3 consecutive failed cycles"
    lock_clear(actor=operator)
    assert not lockfile.exists()


@pytest.mark.django_db(transaction=True)
def test_status_is_published_on_the_bus(operator, redis_conn):
    lock_trip(kind=LockKind.CIRCUIT_BREAKER, reason="failures")
    published = json.loads(redis_conn.get(KEY_STATE_TRADER_STATUS))
    assert published["state"] == "locked" and published["lock"]["kind"] == "circuit_breaker"


def test_a_fresh_install_may_be_started_in_dry_run_once_but_never_live():
    from trader.services.status import trader_mode_first_run

    demo = Actor.for_command(name="run_platform")
    with pytest.raises(ControlRefused):
        trader_mode_first_run(mode="live", actor=demo)
    assert trader_mode_first_run(mode="dry-run", actor=demo).mode == "dry-run"
    trader_mode_set(mode="paused", actor=demo)
    assert trader_mode_first_run(mode="dry-run", actor=demo) is None, "the operator's choice is kept"
    assert status_get().mode == "paused"
