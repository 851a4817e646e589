"""Mode, on/off and locks: the trader's control state, changed only through here.

Safety rules (DESIGN.md "Trading modes and safety"):
- a new install is paused; only an authenticated user can raise the risk (dry-run, live);
- live needs credentials and an explicit confirmation, and is refused with the reason;
- the bot itself may only lower the risk: trip a lock, pause;
- the kill switch latches until a user re-arms it; other locks need an explicit clear.
Every change is audited and announced on the bus.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from coinex.errors import ExchangeError
from coinex.exchange import Exchange
from coinex.factory import venue_available, venue_unavailable_reason
from config.logging import Category
from config.row_cache import RowCache
from trader.models import AuditEntry, Book, LockKind, Trade, TraderMode, TraderStatus
from trader.services.actor import Actor
from trader.services.audit import audit_record, audit_value

logger = logging.getLogger(__name__)

STATUS_PK = 1

_statuses = RowCache(TraderStatus)  # read by every API request and page: re-read only when it changed
LOCKFILE_NAME = "live-trader-lock.json"
# A stronger lock replaces a weaker one; never the other way round.
LOCK_PRIORITY = {LockKind.NONE: 0, LockKind.CIRCUIT_BREAKER: 1, LockKind.KILL_SWITCH: 2, LockKind.EMERGENCY_STOP: 3}


class ControlRefused(Exception):
    """The requested change conflicts with the trader's state or the safety rules."""


def status_get() -> TraderStatus:
    """The status row, created (paused, unlocked) on first use."""
    return _statuses.get(pk=STATUS_PK) or TraderStatus.objects.get_or_create(pk=STATUS_PK)[0]


def _status_for_update() -> TraderStatus:
    return TraderStatus.objects.select_for_update().get_or_create(pk=STATUS_PK)[0]


def _credentials_configured() -> bool:
    """True when usable credentials of the configured venue are in force (environment or stored, decryptable)."""
    from coinex.credentials import CredentialsError, credentials_resolve
    from trader.services.config import config_get

    try:
        return credentials_resolve(venue=config_get().venue) is not None
    except CredentialsError:
        return False


def _venue_name(venue: str) -> str:
    from coinex.venue import VENUE_NAMES, venue_parse

    try:
        return VENUE_NAMES[venue_parse(venue)]
    except ValueError:
        return venue


class OpenPositionsChoiceRequired(ControlRefused):
    """A switch of book would leave another book's open positions behind: the caller must choose."""


def trader_mode_set(
    *,
    mode: str,
    actor: Actor,
    confirm_live: bool = False,
    open_positions: str | None = None,
    credentials_check: Callable[[], bool] = _credentials_configured,
    venue_check: Callable[..., str | None] | None = None,
) -> TraderStatus:
    """Switch the trading mode; raises ``ControlRefused`` with the reason when not allowed.

    ``live`` requires an authenticated actor, ``confirm_live=True`` and configured CoinEx
    credentials. ``dry-run`` requires an authenticated actor. ``paused`` is always allowed.
    Entering live is refused while the venue's own status is not open (``venue_check``,
    default ``trader.services.venue_gate.venue_switch_refusal``: read through the venue's
    live client; unreadable refuses too).

    Entering a book (mode, venue) while another book has open, managed positions needs
    ``open_positions``: ``close`` closes them first on their own exchange (refused, nothing
    switched, if any stays open), ``leave`` leaves them open and unmanaged (recorded,
    audited, alerted). Without it the switch is refused with ``OpenPositionsChoiceRequired``
    naming the positions and the choices. Entering a book takes back its own unmanaged
    positions.
    """
    from trader.services.books import (
        OpenPositionsChoice,
        book_of,
        book_positions_close,
        books_with_open_positions,
        open_positions_summary,
    )
    from trader.services.config import config_get
    from trader.services.venue_gate import venue_switch_refusal

    venue_check = venue_check or venue_switch_refusal
    if mode not in TraderMode.values:
        raise ControlRefused(f"unknown mode {mode!r}; choose one of {', '.join(TraderMode.values)}")
    if open_positions is not None and open_positions not in {choice.value for choice in OpenPositionsChoice}:
        raise ControlRefused(f"unknown open_positions choice {open_positions!r}; choose "
                             f"{' or '.join(choice.value for choice in OpenPositionsChoice)}")
    if mode != TraderMode.PAUSED and not actor.authenticated:
        raise ControlRefused(f"only an authenticated user can switch to {mode}")
    if mode == TraderMode.LIVE:
        if not confirm_live:
            raise ControlRefused("switching to live trading needs an explicit confirmation")
        if not credentials_check():
            raise ControlRefused(f"live trading needs {_venue_name(config_get().venue)} credentials: set them on "
                                 "the settings page or in the environment")
    target = book_of(mode=mode, venue=config_get().venue)
    if target is not None and status_get().mode != mode:
        if not venue_available(target.venue):
            raise ControlRefused(venue_unavailable_reason(target.venue))
        if mode == TraderMode.LIVE:  # the venue's own status: a closed venue is refused here, not by an order
            refusal = venue_check(venue=target.venue)
            if refusal:
                raise ControlRefused(refusal)
        elsewhere = books_with_open_positions(besides=target)
        if elsewhere and open_positions is None:
            raise OpenPositionsChoiceRequired(
                f"switching to {target} would leave open positions behind: {open_positions_summary(elsewhere)}. "
                f"Choose open_positions=\"close\" to close them first, or open_positions=\"leave\" to leave them "
                "open and unmanaged (recorded, alerted and shown until their book is active again)")
        if elsewhere and open_positions == OpenPositionsChoice.CLOSE:
            _books_close_or_refuse(books=list(elsewhere), actor=actor, close=book_positions_close)
    return _mode_commit(mode=mode, actor=actor, target=target, open_positions=open_positions)


def _books_close_or_refuse(*, books: list[Book], actor: Actor, close: Callable[..., list[Trade]]) -> None:
    """Close each book's open positions; ``ControlRefused`` (mode unchanged) naming what stayed open."""
    left: list[str] = []
    for book in books:
        try:
            remaining = close(book=book, actor=actor)
        except ExchangeError as error:
            raise ControlRefused(f"the open positions of {book} could not be closed ({error}); the mode was "
                                 "not switched") from None
        left.extend(f"{book} {trade.symbol}" for trade in remaining)
    if left:
        raise ControlRefused(f"these positions could not be closed: {', '.join(left)}; the mode was not switched")


@transaction.atomic
def _mode_commit(*, mode: str, actor: Actor, target: Book | None, open_positions: str | None) -> TraderStatus:
    from trader.services.books import (
        OpenPositionsChoice,
        book_resume,
        books_leave_unmanaged,
        books_with_open_positions,
        open_positions_summary,
    )

    status = _status_for_update()
    if status.mode == mode:
        return status
    detail = ""
    if target is not None:
        elsewhere = books_with_open_positions(besides=target)
        if elsewhere and open_positions != OpenPositionsChoice.LEAVE:
            # Closed a moment ago, or opened meanwhile by a cycle still running in the old book.
            raise ControlRefused(f"open positions remain: {open_positions_summary(elsewhere)}; the mode was not "
                                 "switched (try again, or choose open_positions=\"leave\")")
        if elsewhere:
            books_leave_unmanaged(books=elsewhere, target=target, actor=actor)
        book_resume(book=target, actor=actor)
        if open_positions:
            detail = f"open positions of other books: {open_positions}"
    previous = status.mode
    status.mode = mode
    if previous == TraderMode.PAUSED:
        status.started_at = timezone.now()
    status.save()
    audit_record(actor=actor, action="mode.set", field="mode", old=previous, new=mode, detail=detail)
    logger.warning("trading mode %s -> %s by %s", previous, mode, actor.described, extra={"category": Category.TRADE})
    _announce_after_commit()
    return status


def trader_mode_first_run(*, mode: str, actor: Actor) -> TraderStatus | None:
    """Set ``mode`` only if no one has ever chosen a mode (a fresh install); never ``live``.

    The demo (``make demo``) starts a fresh install in dry-run so the bot trades on paper at
    once; an operator's own choice, even ``paused``, is never overridden.
    """
    if mode == TraderMode.LIVE:
        raise ControlRefused("live is never set automatically")
    if AuditEntry.objects.filter(action="mode.set").exists():
        return None
    return trader_mode_set(mode=mode, actor=actor)


@transaction.atomic
def trader_enabled_set(*, enabled: bool, actor: Actor) -> TraderStatus:
    """Turn order placement on or off (off keeps positions and keeps scanning).

    Enabling while locked is refused: the lock has to be cleared first.
    """
    status = _status_for_update()
    if enabled and status.is_locked:
        lock = f"{status.get_lock_kind_display()}: {status.lock_reason}"
        raise ControlRefused(f"the trader is locked ({lock}); clear the lock first")
    if enabled and not actor.authenticated:
        raise ControlRefused("only an authenticated user can enable trading")
    if status.enabled == enabled:
        return status
    status.enabled = enabled
    status.save()
    audit_record(actor=actor, action="status.enable" if enabled else "status.disable", field="enabled",
                 old=not enabled, new=enabled)
    _announce_after_commit()
    return status


@transaction.atomic
def lock_trip(*, kind: LockKind, reason: str, actor: Actor | None = None) -> TraderStatus:
    """Lock the trader (no new positions) unless a stronger lock already holds.

    Mirrors the lock to the lockfile when one is configured and announces it.
    """
    actor = actor or Actor.system()
    status = _status_for_update()
    if LOCK_PRIORITY[LockKind(status.lock_kind)] >= LOCK_PRIORITY[kind]:
        return status
    previous = status.lock_kind
    status.lock_kind = kind
    status.lock_reason = reason
    status.locked_at = timezone.now()
    status.save()
    audit_record(actor=actor, action="lock.trip", field="lock_kind", old=previous, new=str(kind), detail=reason)
    logger.error("trader locked (%s): %s", kind.label, reason, extra={"category": Category.TRADE})
    transaction.on_commit(lambda: lockfile_sync(status=status))
    _announce_after_commit()
    return status


@transaction.atomic
def lock_clear(*, actor: Actor) -> TraderStatus:
    """Clear a circuit-breaker or emergency-stop lock (the kill switch needs a re-arm)."""
    if not actor.authenticated:
        raise ControlRefused("only an authenticated user can clear a lock")
    status = _status_for_update()
    if not status.is_locked:
        transaction.on_commit(lambda: lockfile_sync(status=status))
        return status
    if status.lock_kind == LockKind.KILL_SWITCH:
        raise ControlRefused("the kill switch is latched: re-arm it (that also resets the drawdown reference)")
    return _unlock(status, actor=actor, action="lock.clear")


# A typed-in equity may differ this much from what the exchange reports (its own rounding, a
# price tick between the two reads) and still be taken as the same figure.
REARM_EQUITY_TOLERANCE_PCT = Decimal("2")
HUNDRED = Decimal(100)


def kill_switch_rearm(*, actor: Actor, equity: Decimal | None = None, exchange: Exchange | None = None) -> TraderStatus:
    """Re-arm a latched kill switch; from now on the active book's drawdown is measured from the
    equity the book's exchange reports now (USDT), which becomes its starting balance and peak.

    ``equity``, when given, is only a cross-check: refused unless it is positive and within
    ``REARM_EQUITY_TOLERANCE_PCT`` of the exchange's figure. Refused (``ControlRefused``)
    when paused (no book, no exchange to read), when not latched, when the exchange reports
    no positive equity; ``ExchangeError`` when the exchange cannot be read. The audit row
    names who re-armed it and the new reference.
    """
    from trader.services.books import book_current, book_exchange, ledger_get

    if not actor.authenticated:
        raise ControlRefused("only an authenticated user can re-arm the kill switch")
    if status_get().lock_kind != LockKind.KILL_SWITCH:
        raise ControlRefused("the kill switch is not latched")
    if equity is not None and equity <= 0:
        raise ControlRefused(f"equity {equity} is not a usable reference: it must be positive (omit it to use "
                             "the exchange's current equity)")
    book = book_current()
    if book is None:
        raise ControlRefused("the trader is paused: switch to the mode whose book to re-arm (the kill-switch lock "
                             "keeps it from trading) so its equity can be read from the exchange")
    reported = (exchange or book_exchange(book=book)).balance().equity
    shown = audit_value(reported)  # 4000, not 4000.00000000
    if reported <= 0:
        raise ControlRefused(f"the exchange reports an equity of {shown} USDT for {book}: there is nothing the "
                             "kill switch could protect; not re-armed")
    if equity is not None and abs(equity - reported) / reported * HUNDRED > REARM_EQUITY_TOLERANCE_PCT:
        raise ControlRefused(f"equity {equity} is not plausible: the exchange reports {shown} USDT for {book} "
                             f"(more than {REARM_EQUITY_TOLERANCE_PCT}% apart); omit it to use the exchange's figure")
    with transaction.atomic():
        status = _status_for_update()
        if status.lock_kind != LockKind.KILL_SWITCH:
            raise ControlRefused("the kill switch is not latched")
        ledger = ledger_get(book=book)
        audit_record(actor=actor, action="kill_switch.rebase", field="starting_balance",
                     old=ledger.starting_balance, new=reported,
                     detail=f"{book}: reference reset to the equity the exchange reports ({shown} USDT)")
        ledger.starting_balance = ledger.equity_peak = reported
        ledger.save(update_fields=["starting_balance", "equity_peak", "updated_at"])
        return _unlock(status, actor=actor, action="kill_switch.rearm",
                       detail=f"re-armed by {actor.described} at reference {shown} USDT ({book}, equity read "
                              f"from the exchange); was: {status.lock_reason}")


def _unlock(status: TraderStatus, *, actor: Actor, action: str, detail: str | None = None) -> TraderStatus:
    previous, reason = status.lock_kind, status.lock_reason
    status.lock_kind = LockKind.NONE
    status.lock_reason = ""
    status.locked_at = None
    status.consecutive_failures = 0
    status.save()
    audit_record(actor=actor, action=action, field="lock_kind", old=previous, new="",
                 detail=reason if detail is None else detail)
    logger.warning("trader lock (%s) cleared by %s", previous, actor.described, extra={"category": Category.TRADE})
    transaction.on_commit(lambda: lockfile_sync(status=status))
    _announce_after_commit()
    return status


def lockfile_path() -> Path | None:
    """Where the lock is mirrored for the old tooling (``TRADER_LOCKFILE_DIR``), if anywhere."""
    directory = getattr(settings, "TRADER_LOCKFILE_DIR", None)
    return Path(directory) / LOCKFILE_NAME if directory else None


def lockfile_sync(*, status: TraderStatus) -> None:
    """Write ``live-trader-lock.json`` while locked; remove it when unlocked."""
    path = lockfile_path()
    if path is None:
        return
    if status.is_locked:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "locked": True,
            "reason": status.lock_reason,
            "kind": status.lock_kind,
            "locked_at": status.locked_at.isoformat() if status.locked_at else None,
        }
        path.write_text(json.dumps(payload, indent=2))
    else:
        path.unlink(missing_ok=True)


def _announce_after_commit() -> None:
    from trader.services.announce import trader_status_announce

    transaction.on_commit(trader_status_announce)
