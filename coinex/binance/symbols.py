"""Platform symbols and Binance USD-M contract symbols (docs/EXCHANGES.md "Symbols").

Binance lists some low-priced coins only as multiplied contracts: ``1000PEPEUSDT`` is
1000 PEPE, quoted per 1000 PEPE. The platform always speaks of the coin (``PEPEUSDT``:
prices per coin, quantities in coins), so the adapter, its streams and the
``binance_usdm`` kline source translate at the boundary:

- venue symbol = prefix + platform symbol (``1000`` for a 1000x contract, ``1M`` for 1,000,000x);
- platform price = venue price / multiplier; platform quantity = venue quantity * multiplier;
- values in USDT (notional, fees, PnL, margin) are the same on both sides.

Of the platform's 29 coins only PEPE is affected today; the table also lists the other
multiplied contracts Binance is known to list, so a coin added later maps without code.
A venue symbol of the form ``1000XUSDT`` / ``1000000XUSDT`` / ``1MXUSDT`` not in the table is
still read back correctly (``platform_symbol``).
"""

from __future__ import annotations

import re
from decimal import Decimal

ONE = Decimal(1)
# Platform symbol -> multiplier of the Binance USD-M contract (its symbol: see venue_symbol).
MULTIPLIED_CONTRACTS: dict[str, int] = {
    "PEPEUSDT": 1000, "SHIBUSDT": 1000, "BONKUSDT": 1000, "FLOKIUSDT": 1000, "LUNCUSDT": 1000,
    "XECUSDT": 1000, "SATSUSDT": 1000, "RATSUSDT": 1000, "CATUSDT": 1000, "CHEEMSUSDT": 1000,
    "MOGUSDT": 1_000_000, "BABYDOGEUSDT": 1_000_000,
}
# Binance spells a million "1M" for some contracts (1MBABYDOGEUSDT) and "1000000" for others (1000000MOGUSDT).
_MILLION_PREFIX_M = frozenset({"BABYDOGEUSDT"})
_VENUE_MULTIPLIED = re.compile(r"(?P<prefix>1(?:000)+|1M)(?P<coin>[A-Z][A-Z0-9]*USDT)")


def _prefix(symbol: str, multiplier: int) -> str:
    if multiplier == 1_000_000 and symbol in _MILLION_PREFIX_M:
        return "1M"
    return str(multiplier)


def venue_symbol(symbol: str) -> str:
    """The Binance USD-M symbol of platform ``symbol`` (``PEPEUSDT`` -> ``1000PEPEUSDT``); a symbol
    already in venue form, or one without a multiplied contract, is returned unchanged."""
    multiplier = MULTIPLIED_CONTRACTS.get(symbol)
    return f"{_prefix(symbol, multiplier)}{symbol}" if multiplier else symbol


def platform_symbol(symbol: str) -> str:
    """The platform symbol of Binance USD-M ``symbol`` (``1000PEPEUSDT`` -> ``PEPEUSDT``)."""
    match = _VENUE_MULTIPLIED.fullmatch(symbol)
    return match.group("coin") if match else symbol


def multiplier_of(symbol: str) -> Decimal:
    """Coins per contract unit of platform ``symbol`` (1 for an ordinary contract)."""
    return Decimal(MULTIPLIED_CONTRACTS.get(symbol, 1))


def venue_multiplier(symbol: str) -> Decimal:
    """Coins per contract unit of Binance USD-M ``symbol`` (1000 for ``1000PEPEUSDT``)."""
    match = _VENUE_MULTIPLIED.fullmatch(symbol)
    if not match:
        return ONE
    prefix = match.group("prefix")
    return Decimal(1_000_000) if prefix == "1M" else Decimal(prefix)


def price_to_platform(venue_symbol_: str, price: Decimal) -> Decimal:
    """A price of the venue contract as a price per coin."""
    multiplier = venue_multiplier(venue_symbol_)
    return price if multiplier == ONE else price / multiplier


def amount_to_platform(venue_symbol_: str, amount: Decimal) -> Decimal:
    """A quantity of venue contract units as a quantity of coins."""
    multiplier = venue_multiplier(venue_symbol_)
    return amount if multiplier == ONE else amount * multiplier


def price_to_venue(symbol: str, price: Decimal) -> Decimal:
    """A price per coin of platform ``symbol`` as a price of its venue contract."""
    multiplier = multiplier_of(symbol)
    return price if multiplier == ONE else price * multiplier


def amount_to_venue(symbol: str, amount: Decimal) -> Decimal:
    """A quantity of coins of platform ``symbol`` as venue contract units."""
    multiplier = multiplier_of(symbol)
    return amount if multiplier == ONE else amount / multiplier
