"""The venue status gate's record: what the header shows and what the operator is alerted about.

A live cycle reads the venue's own status (``coinex.venue``) for the enabled coins; entries
on a venue or market that is not open are refused by the ``venue`` entry rule. This module
keeps the outcome on the status row (``TraderStatus.venue_status``, ``{}`` while everything
is open) so the header can show it, and alerts once per change of state, not every cycle.
Switching to live on a venue that is not open is refused by ``trader_mode_set`` through
:func:`venue_switch_refusal`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from coinex.errors import ExchangeError
from coinex.venue import VenueState, VenueStatus, venue_status_read, worst_state
from config.logging import Category
from trader.models import TraderStatus
from trader.services.alerts import AlertKind, alert_send

logger = logging.getLogger(__name__)

STATUS_PK = 1


def venue_status_summary(*, status: VenueStatus) -> dict[str, Any]:
    """``{}`` when the venue and every market asked about are open; otherwise the venue, the
    most restrictive state, a reason a person can read, and a ``key`` that changes only when a
    state changes (reasons may carry error text that differs between reads)."""
    blocked = {symbol: state for symbol, state in sorted(status.markets.items()) if state != VenueState.OPEN}
    if status.state == VenueState.OPEN and not blocked:
        return {}
    if status.state != VenueState.OPEN:
        reason = status.entry_refusal() or status.reason
    else:
        reason = "; ".join(status.entry_refusal(symbol=symbol) or symbol for symbol in blocked)
    key = f"{status.venue}:{status.state}" + "".join(f"|{symbol}:{state}" for symbol, state in blocked.items())
    if status.state != VenueState.OPEN:
        label = f"{status.venue} {status.state}"
    elif len(blocked) == 1:
        label = " ".join(f"{symbol} {state}" for symbol, state in blocked.items())
    else:
        label = f"{len(blocked)} markets not open"
    return {"venue": status.venue, "state": str(worst_state([status.state, *blocked.values()])), "label": label,
            "reason": reason, "markets": {symbol: str(state) for symbol, state in blocked.items()},
            "key": key, "checked_at": status.checked_at.isoformat()}


def venue_gate_record(*, status: VenueStatus) -> bool:
    """Keep ``status``'s summary on the status row; alert when its state changed since the last
    record (a venue or market closing, or everything open again). True when it changed."""
    summary = venue_status_summary(status=status)
    with transaction.atomic():
        row = TraderStatus.objects.select_for_update().get_or_create(pk=STATUS_PK)[0]
        previous = row.venue_status or {}
        if previous.get("key") == summary.get("key"):
            return False
        row.venue_status = summary
        row.save(update_fields=["venue_status", "updated_at"])
    if summary:
        message = f"live entries refused: {summary['reason']} (exits still run)"
    else:
        message = f"{status.venue} is open again: live entries resume"
    logger.warning("venue status changed: %s", message, extra={"category": Category.TRADE})
    alert_send(kind=AlertKind.VENUE_STATUS, message=message)
    from trader.services.announce import trader_status_announce

    transaction.on_commit(trader_status_announce)
    return True


def venue_switch_refusal(*, venue: str) -> str | None:
    """Why live trading must not be entered on ``venue`` now (``None`` when it may), read from
    the venue's own status through its live client; a venue that cannot be asked refuses too."""
    from coinex.factory import exchange_for_mode

    try:
        exchange = exchange_for_mode(mode="live", venue=venue)
    except ExchangeError as error:
        return f"switching to live refused: the {venue} status could not be read ({error})"
    refusal = venue_status_read(exchange=exchange, symbols=()).entry_refusal()
    if refusal is None:
        return None
    return f"switching to live refused: {refusal}. Live entries would be refused; try again when the venue is open"
