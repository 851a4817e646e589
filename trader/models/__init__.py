"""Trader models: runtime config, status and locks, the audit log, trading records."""

from trader.models.apikey import ApiKey, ApiKeyScope
from trader.models.audit import AuditEntry, AuditVia
from trader.models.backtest import BacktestRun, BacktestStatus, BacktestStudy, BacktestTrade, StudyOrigin
from trader.models.books import Book, BookLedger, Venue
from trader.models.config import KillSwitchReference, SizingMode, TraderConfig
from trader.models.orders import EntryOrder, EntryOrderState, EntryOrderType, ProtectionState
from trader.models.performance import EquitySnapshot
from trader.models.records import CloseReason, CycleLog, CycleOutcome, Decision, OrderIntent, Side, Trade
from trader.models.status import LockKind, TraderMode, TraderStatus

__all__ = [
    "ApiKey",
    "ApiKeyScope",
    "AuditEntry",
    "AuditVia",
    "BacktestRun",
    "BacktestStatus",
    "BacktestStudy",
    "BacktestTrade",
    "Book",
    "BookLedger",
    "CloseReason",
    "CycleLog",
    "CycleOutcome",
    "Decision",
    "EntryOrder",
    "EntryOrderState",
    "EntryOrderType",
    "EquitySnapshot",
    "KillSwitchReference",
    "LockKind",
    "OrderIntent",
    "ProtectionState",
    "Side",
    "SizingMode",
    "StudyOrigin",
    "Trade",
    "TraderConfig",
    "TraderMode",
    "TraderStatus",
    "Venue",
]
