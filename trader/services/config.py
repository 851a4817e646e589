"""Reading and changing the runtime config; every change is validated and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from config.row_cache import RowCache
from trader.models import TraderConfig, TraderMode
from trader.services.actor import Actor
from trader.services.audit import audit_record

CONFIG_PK = 1

_configs = RowCache(TraderConfig)  # read by every API request and page: re-read only when it changed


def config_get() -> TraderConfig:
    """The runtime config row, created with the defaults on first use."""
    return _configs.get(pk=CONFIG_PK) or TraderConfig.objects.get_or_create(pk=CONFIG_PK)[0]


def config_as_dict(config: TraderConfig) -> dict[str, Any]:
    """Every editable field as JSON-ready values (percentages as numbers)."""
    data = {}
    for name in TraderConfig.editable_field_names():
        value = getattr(config, name)
        data[name] = float(value) if hasattr(value, "as_tuple") else value
    return data


@transaction.atomic
def config_update(*, changes: dict[str, Any], actor: Actor) -> TraderConfig:
    """Apply ``changes`` (field -> value) after validating all of them; audit each change.

    Raises ``ValidationError`` (a dict of field -> messages) and changes nothing when
    any field is unknown or out of range, or when ``venue`` changes while not paused. Values
    equal to the current ones are not recorded. The new config is announced on the bus after the commit.
    """
    config = TraderConfig.objects.select_for_update().get_or_create(pk=CONFIG_PK)[0]
    editable = set(TraderConfig.editable_field_names())
    unknown = sorted(set(changes) - editable)
    if unknown:
        raise ValidationError({name: ["unknown config field"] for name in unknown})
    before = {name: getattr(config, name) for name in changes}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            setattr(config, name, TraderConfig._meta.get_field(name).to_python(value))
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    config.full_clean()
    changed = [name for name in changes if before[name] != getattr(config, name)]
    if not changed:
        return config
    if "venue" in changed:
        _venue_change_check()
    config.save()
    for name in changed:
        audit_record(actor=actor, action="config.update", field=name, old=before[name], new=getattr(config, name))
    transaction.on_commit(lambda: _config_changed(config, changed))
    return config


@transaction.atomic
def config_reset(*, actor: Actor) -> TraderConfig:
    """Restore every field to its default (audited like any change)."""
    return config_update(changes=TraderConfig.defaults(), actor=actor)


def _venue_change_check() -> None:
    """A venue change is a switch of book: only while paused, so that entering the new book goes
    through the mode switch and its explicit choice about the old book's open positions."""
    from trader.services.status import status_get

    mode = status_get().mode
    if mode != TraderMode.PAUSED:
        raise ValidationError({"venue": [
            f"the venue can only be changed while paused (the trader is in {mode}): pause, change the venue, then "
            "switch the mode back on (with open_positions close or leave if the old book still has positions)"]})


def _config_changed(config: TraderConfig, changed: list[str]) -> None:
    from trader.services.announce import trader_config_announce
    from trader.services.schedule import cycle_schedule_sync

    if "scan_interval_minutes" in changed:
        cycle_schedule_sync(minutes=config.scan_interval_minutes)
    trader_config_announce(config=config, changed=changed)
