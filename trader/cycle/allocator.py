"""The allocator (seed tradefinder section 6): what each strategy holds open, and the portfolio heat.

Per strategy and in total: ``margin`` (the capital its open positions hold: its
exposure, limited to ``max_strategy_exposure_pct`` of equity per strategy and
``max_total_exposure_pct`` in total), ``notional`` (amount x entry: the account
leverage is notional / equity, capped by ``max_leverage``) and ``risk`` (the loss if
every stop is hit, from the entry, before fees). Portfolio heat = total risk / equity in
%, limited to ``max_portfolio_heat_pct``. Pure; the live cycle builds it from its book's
open trades, the backtester from its open positions, and each entry adds to it.

For entry decisions a resting limit entry counts too, with what has not filled yet
(``resting_rest``): it may fill at any moment, so the limits must already hold it (its
filled part is an open trade). The shown allocation and heat are the open positions' only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from trader.cycle.sizing import position_risk, stop_from_config

HUNDRED = Decimal(100)
ZERO = Decimal(0)
CENT = Decimal("0.01")


class OpenPosition(NamedTuple):
    """One open position as the allocator sees it; ``stop`` None: the config's ``sl_pct`` stop."""

    strategy: str
    symbol: str
    side: str
    amount: Decimal
    entry_price: Decimal
    leverage: int
    margin: Decimal
    stop: Decimal | None


@dataclass
class Load:
    """What a group of open positions holds: margin, notional and risk to the stops (quote asset)."""

    positions: int = 0
    margin: Decimal = ZERO
    notional: Decimal = ZERO
    risk: Decimal = ZERO

    def add(self, *, margin: Decimal, notional: Decimal, risk: Decimal) -> None:
        self.positions += 1
        self.margin += margin
        self.notional += notional
        self.risk += risk


@dataclass
class Allocation:
    """Each strategy's load and the total; grows as a cycle enters."""

    by_strategy: dict[str, Load] = field(default_factory=dict)
    total: Load = field(default_factory=Load)

    def strategy(self, name: str) -> Load:
        """``name``'s load (empty when it holds nothing)."""
        return self.by_strategy.get(name) or Load()

    def add(self, *, strategy: str, margin: Decimal, notional: Decimal, risk: Decimal) -> None:
        """Count one more open position of ``strategy``."""
        self.by_strategy.setdefault(strategy, Load()).add(margin=margin, notional=notional, risk=risk)
        self.total.add(margin=margin, notional=notional, risk=risk)


def pct_of_equity(value: Decimal, equity: Decimal) -> Decimal:
    """``value`` as % of ``equity``; infinite when there is no equity (every limit then refuses)."""
    if equity <= 0:
        return Decimal("Infinity") if value > 0 else ZERO
    return value / equity * HUNDRED


def allocation_build(*, positions: Iterable[OpenPosition], sl_pct: Decimal) -> Allocation:
    """The allocation of ``positions``; a position without its own stop is measured to the config's
    ``sl_pct`` stop at its leverage (what the exits would close it at)."""
    allocation = Allocation()
    for position in positions:
        stop = position.stop if position.stop is not None else stop_from_config(
            side=position.side, price=position.entry_price, sl_pct=sl_pct, leverage=position.leverage)
        allocation.add(strategy=position.strategy, margin=position.margin,
                       notional=position.amount * position.entry_price,
                       risk=position_risk(side=position.side, entry=position.entry_price, stop=stop,
                                          amount=position.amount))
    return allocation


def resting_rest(*, strategy: str, symbol: str, side: str, amount: Decimal, filled: Decimal, price: Decimal,
                 leverage: int, stop: Decimal | None) -> OpenPosition | None:
    """The part of a resting limit entry still to fill, as the position it would add at its limit
    ``price`` (margin at ``leverage``; ``stop`` None: the config's stop); None when all of it filled."""
    rest = amount - filled
    if rest <= 0:
        return None
    return OpenPosition(strategy, symbol, side, rest, price, leverage, rest * price / leverage, stop)


def allocation_summary(*, allocation: Allocation, equity: Decimal | None) -> dict:
    """The allocation for the API and the trader page: per strategy and in total, margin, risk
    (quote asset, 2 decimals) and each as % of ``equity`` (None without equity); ``heat_pct``
    is the portfolio heat."""
    def row(load: Load) -> dict:
        return {
            "positions": load.positions, "margin": load.margin.quantize(CENT), "risk": load.risk.quantize(CENT),
            "notional": load.notional.quantize(CENT),
            "exposure_pct": pct_of_equity(load.margin, equity).quantize(CENT) if equity else None,
            "heat_pct": pct_of_equity(load.risk, equity).quantize(CENT) if equity else None,
        }
    return {"total": row(allocation.total),
            "strategies": {name: row(load) for name, load in sorted(allocation.by_strategy.items())}}
