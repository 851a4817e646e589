"""Runtime config: defaults, validated ranges, audited changes, announced on the bus."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from config.bus.schema import KEY_STATE_TRADER_CONFIG
from trader.models import AuditEntry, AuditVia, TraderConfig
from trader.services.actor import Actor
from trader.services.config import config_as_dict, config_get, config_reset, config_update
from trader.services.status import ControlRefused, status_get, trader_mode_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    user = get_user_model().objects.create_user("operator")
    return Actor.for_user(user, via=AuditVia.PAGE)


def test_defaults_are_the_bots_former_hard_coded_values():
    assert config_as_dict(config_get()) == {
        "position_size_pct": 5.0, "max_positions": 3, "max_leverage": 10,
        "leverage_rules": {"60+": 7, "default": 5}, "kill_switch_drawdown_pct": 50.0,
        "kill_switch_reference": "starting_balance", "tp_pct": 5.0, "sl_pct": 3.0, "trailing_stop": True,
        "circuit_breaker_threshold": 3, "scan_interval_minutes": 5, "long_threshold": 45, "short_threshold": 50,
        "coin_whitelist": [], "coin_blacklist": [], "use_ta_signals": False, "ta_bonus_cap": 30,
        "strategies": ["scanner"], "use_regime_mapping": False, "venue": "coinex",
        # Risk sizing is opt-in: margin_pct stays the default, so nothing changes silently.
        "sizing_mode": "margin_pct", "risk_per_trade_pct": 1.0, "max_strategy_exposure_pct": 25.0,
        "max_total_exposure_pct": 100.0, "max_portfolio_heat_pct": 6.0, "uncertain_risk_factor": 0.0,
        "entry_order_type": "market", "limit_offset_pct": 0.05, "limit_post_only": True, "limit_timeout_s": 300,
        "limit_max_reprices": 2, "limit_abandon_pct": 1.0,
    }


def test_the_risk_fields_are_validated_and_every_change_is_audited(operator):
    for value in ("3.5", "0.05"):  # risk per trade: 0.1-3 %
        with pytest.raises(ValidationError) as refused:
            config_update(changes={"risk_per_trade_pct": value}, actor=operator)
        assert "risk_per_trade_pct" in refused.value.message_dict
    for field, value in (("sizing_mode", "kelly"), ("uncertain_risk_factor", "1.5"),
                         ("max_strategy_exposure_pct", "0"), ("max_portfolio_heat_pct", "101")):
        with pytest.raises(ValidationError) as refused:
            config_update(changes={field: value}, actor=operator)
        assert field in refused.value.message_dict
    config_update(changes={"sizing_mode": "risk", "risk_per_trade_pct": "2", "max_portfolio_heat_pct": "5"},
                  actor=operator)
    audited = {e.field: (e.old_value, e.new_value) for e in AuditEntry.objects.filter(action="config.update")}
    assert audited == {"sizing_mode": ("margin_pct", "risk"), "risk_per_trade_pct": ("1", "2"),
                       "max_portfolio_heat_pct": ("6", "5")}


def test_the_venue_is_validated_audited_and_changed_only_while_paused(operator):
    with pytest.raises(ValidationError) as refused:
        config_update(changes={"venue": "kraken"}, actor=operator)
    assert "venue" in refused.value.message_dict
    config_update(changes={"venue": "binance"}, actor=operator)  # paused: allowed
    entry = AuditEntry.objects.get(action="config.update", field="venue")
    assert (entry.old_value, entry.new_value, entry.actor) == ("coinex", "binance", "operator")
    config_update(changes={"venue": "coinex"}, actor=operator)
    trader_mode_set(mode="dry-run", actor=operator)
    with pytest.raises(ValidationError, match="only be changed while paused"):
        config_update(changes={"venue": "binance"}, actor=operator)
    assert config_get().venue == "coinex"


def test_switching_venue_is_audited_and_refused_while_positions_are_open_on_the_old_venue(operator):
    from django.utils import timezone

    from trader.models import Trade
    from trader.services.status import OpenPositionsChoiceRequired

    Trade.objects.create(correlation_id="sig-coinex", symbol="BTCUSDT", side="long", mode="live", venue="coinex",
                         size=Decimal("0.01"), entry_price=Decimal("50000"), leverage=5, margin=Decimal("100"),
                         opened_at=timezone.now())
    config_update(changes={"venue": "binance"}, actor=operator)  # paused: the venue may change
    entry = AuditEntry.objects.get(action="config.update", field="venue")
    assert (entry.old_value, entry.new_value, entry.actor) == ("coinex", "binance", "operator")
    with pytest.raises(OpenPositionsChoiceRequired, match="live/coinex: 1 open position"):
        trader_mode_set(mode="live", actor=operator, confirm_live=True, credentials_check=lambda: True,
                        venue_check=lambda **_: None)
    assert status_get().mode == "paused"  # nothing switched: the CoinEx position is not silently abandoned


def test_a_venue_without_an_adapter_cannot_be_traded(operator, monkeypatch):
    from coinex import factory
    from coinex.venue import Venue

    monkeypatch.setattr(factory, "VENUES_WITH_ADAPTER", frozenset({Venue.COINEX}))  # a venue added before its adapter
    config_update(changes={"venue": "binance"}, actor=operator)
    with pytest.raises(ControlRefused, match="no exchange adapter is installed for the venue 'binance'"):
        trader_mode_set(mode="dry-run", actor=operator)
    assert status_get().mode == "paused"


def test_a_change_is_saved_and_audited_with_who_how_and_old_to_new(operator):
    config_update(changes={"max_positions": 5, "tp_pct": "6.5"}, actor=operator)
    config = config_get()
    assert (config.max_positions, config.tp_pct) == (5, Decimal("6.5"))
    entries = {e.field: e for e in AuditEntry.objects.filter(action="config.update")}
    assert set(entries) == {"max_positions", "tp_pct"}
    assert (entries["max_positions"].old_value, entries["max_positions"].new_value) == (3, 5)
    assert (entries["tp_pct"].old_value, entries["tp_pct"].new_value) == ("5", "6.5")
    assert entries["tp_pct"].actor == "operator" and entries["tp_pct"].via == "page"


def test_unchanged_values_are_not_recorded(operator):
    config_update(changes={"max_positions": 3, "tp_pct": "5.0"}, actor=operator)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("field", "value"), [
    ("position_size_pct", "0"), ("position_size_pct", "100.5"), ("max_leverage", 0), ("max_leverage", 126),
    ("long_threshold", 101), ("max_positions", 0), ("scan_interval_minutes", 0), ("ta_bonus_cap", 46),
    ("sl_pct", "-3"), ("leverage_rules", {"60+": 7}), ("leverage_rules", {"sixty": 7, "default": 5}),
    ("leverage_rules", {"60+": 200, "default": 5}), ("leverage_rules", {"60+": 7.5, "default": 5}),
    ("coin_whitelist", ["btcusdt"]), ("coin_blacklist", "BTCUSDT"), ("tp_pct", "lots"), ("no_such_field", 1),
])
def test_out_of_range_values_are_refused_naming_the_field_and_nothing_changes(operator, field, value):
    with pytest.raises(ValidationError) as refused:
        config_update(changes={"max_positions": 4, field: value}, actor=operator)
    assert field in refused.value.message_dict
    assert config_get().max_positions == 3
    assert not AuditEntry.objects.exists()


def test_a_coin_cannot_be_whitelisted_and_blacklisted(operator):
    with pytest.raises(ValidationError, match="also whitelisted: BTCUSDT"):
        config_update(changes={"coin_whitelist": ["BTCUSDT"], "coin_blacklist": ["BTCUSDT"]}, actor=operator)


def test_reset_restores_every_default_and_audits_it(operator):
    config_update(changes={"max_positions": 7, "use_ta_signals": True}, actor=operator)
    config_reset(actor=operator)
    assert config_as_dict(config_get())["max_positions"] == 3
    assert config_get().use_ta_signals is False
    assert AuditEntry.objects.filter(action="config.update").count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_new_config_is_published_on_the_bus(operator, redis_conn):
    config_update(changes={"long_threshold": 60}, actor=operator)
    published = json.loads(redis_conn.get(KEY_STATE_TRADER_CONFIG))
    assert published["long_threshold"] == 60
    assert published == config_as_dict(TraderConfig.objects.get())
