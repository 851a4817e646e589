"""Venues and the venue status gate (DESIGN.md "Venues and books").

Every live adapter answers :meth:`venue_status` from the venue's own API, so live trading
can refuse entries on a venue or market that is closed, suspended or reduce-only (exits
still run). The paper exchange is always open. :func:`venue_status_read` is what a caller
uses: it never raises, and an adapter without the method, or a venue that cannot be
reached, reads as ``unknown`` (entries refused: a user must not find out from a rejected
order).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from coinex.errors import ExchangeError
from config.logging import Category

logger = logging.getLogger(__name__)


class Venue(StrEnum):
    COINEX = "coinex"
    BINANCE = "binance"


# Spellings accepted for a venue (the issue writes binance_usdm; the trader config writes binance).
_VENUE_ALIASES = {"coinex": Venue.COINEX, "binance": Venue.BINANCE, "binance_usdm": Venue.BINANCE,
                  "binance-usdm": Venue.BINANCE}


VENUE_NAMES = {Venue.COINEX: "CoinEx", Venue.BINANCE: "Binance USD-M"}


def venue_parse(value: str) -> Venue:
    """The venue named ``value``; ``ValueError`` for anything else (never a silent default)."""
    try:
        return _VENUE_ALIASES[value]
    except KeyError:
        raise ValueError(f"unknown venue {value!r}; expected one of {[v.value for v in Venue]}") from None


class VenueState(StrEnum):
    OPEN = "open"
    REDUCE_ONLY = "reduce_only"  # exits only (a market being delisted or a venue winding down)
    CLOSED = "closed"  # not trading: delisted, not yet listed, ceased
    SUSPENDED = "suspended"  # paused for now: settlement, maintenance
    UNKNOWN = "unknown"  # the venue could not tell us: treat as not open


@dataclass(frozen=True)
class VenueStatus:
    """The venue's state and reason, and the state of each market asked about."""

    venue: str
    state: VenueState
    reason: str
    markets: Mapping[str, VenueState] = field(default_factory=dict)
    market_reasons: Mapping[str, str] = field(default_factory=dict)
    checked_at: datetime = field(default_factory=lambda: datetime.now(tz=UTC))

    def entry_refusal(self, *, symbol: str | None = None) -> str | None:
        """Why a new position may not be opened (on ``symbol``); ``None`` when it may."""
        if self.state != VenueState.OPEN:
            return f"{self.venue} is {self.state}: {self.reason}"
        if symbol is not None:
            market_state = self.markets.get(symbol, VenueState.OPEN)
            if market_state != VenueState.OPEN:
                reason = self.market_reasons.get(symbol, "")
                return f"{symbol} on {self.venue} is {market_state}" + (f": {reason}" if reason else "")
        return None

    def entries_allowed(self, *, symbol: str | None = None) -> bool:
        """True when the venue (and ``symbol``'s market) accepts new positions."""
        return self.entry_refusal(symbol=symbol) is None


@runtime_checkable
class VenueStatusSource(Protocol):
    """An exchange that can report its venue's status."""

    def venue_status(self, *, symbols: Iterable[str] = ()) -> VenueStatus:
        """The venue's state, with the state of each of ``symbols``' markets."""
        ...


def venue_status_read(*, exchange: object, symbols: Iterable[str] = ()) -> VenueStatus:
    """``exchange.venue_status(symbols=...)``, never raising: ``unknown`` when it cannot say."""
    # Looked up dynamically (not isinstance on the protocol, which reads attributes statically)
    # so that a delegating wrapper around an exchange answers as the exchange does.
    reader = getattr(exchange, "venue_status", None)
    if not callable(reader):
        return VenueStatus(venue=type(exchange).__name__, state=VenueState.UNKNOWN,
                           reason="this exchange reports no venue status")
    try:
        return reader(symbols=tuple(symbols))
    except ExchangeError as error:
        logger.warning("venue status unavailable: %s", error, extra={"category": Category.API})
        return VenueStatus(venue=type(exchange).__name__, state=VenueState.UNKNOWN,
                           reason=f"status check failed: {error}")


def worst_state(states: Iterable[VenueState]) -> VenueState:
    """The most restrictive of ``states`` (open when there are none)."""
    order = (VenueState.OPEN, VenueState.REDUCE_ONLY, VenueState.SUSPENDED, VenueState.UNKNOWN, VenueState.CLOSED)
    return max(states, key=order.index, default=VenueState.OPEN)
