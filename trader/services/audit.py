"""Writing the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trader.models import AuditEntry
from trader.services.actor import Actor


def audit_value(value: Any) -> Any:
    """A JSON-storable form of a config value (Decimal as its plain string: 5.00 -> "5")."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def audit_record(
    *, actor: Actor, action: str, field: str = "", old: Any = None, new: Any = None, detail: str = ""
) -> AuditEntry:
    """Append one entry to the audit log (within the caller's transaction)."""
    return AuditEntry.objects.create(
        user_id=actor.user_id,
        actor=actor.label,
        via=actor.via,
        action=action,
        field=field,
        old_value=audit_value(old),
        new_value=audit_value(new),
        detail=detail,
    )
