"""Trader models: runtime config, status and locks, the audit log, trading records."""

from trader.models.audit import AuditEntry, AuditVia
from trader.models.config import TraderConfig
from trader.models.status import LockKind, TraderMode, TraderStatus

__all__ = ["AuditEntry", "AuditVia", "LockKind", "TraderConfig", "TraderMode", "TraderStatus"]
