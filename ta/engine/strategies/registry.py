"""Strategies by name and the seed's regime -> strategy mapping (tradefinder), as data.

| regime          | strategy          |
|-----------------|-------------------|
| trending_up     | supertrend        |
| trending_down   | supertrend        |
| ranging         | mean_reversion    |
| high_volatility | squeeze_breakout  |
| uncertain       | None (reduce exposure: open nothing) |
"""

from __future__ import annotations

from typing import Any

from ta.engine.strategies.base import Strategy
from ta.engine.strategies.mean_reversion import MeanReversionStrategy
from ta.engine.strategies.scanner import ScannerStrategy
from ta.engine.strategies.squeeze_breakout import SqueezeBreakoutStrategy
from ta.engine.strategies.supertrend import SupertrendStrategy
from ta.engine.structure.regime import HIGH_VOLATILITY, RANGING, TRENDING_DOWN, TRENDING_UP, UNCERTAIN

STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in (ScannerStrategy, SupertrendStrategy, SqueezeBreakoutStrategy, MeanReversionStrategy)
}
DEFAULT_STRATEGIES = ("scanner",)
REGIME_STRATEGY: dict[str, str | None] = {
    TRENDING_UP: SupertrendStrategy.name,
    TRENDING_DOWN: SupertrendStrategy.name,
    RANGING: MeanReversionStrategy.name,
    HIGH_VOLATILITY: SqueezeBreakoutStrategy.name,
    UNCERTAIN: None,
}


def strategy_names() -> list[str]:
    """Every registered strategy name, scanner first (the trader's default)."""
    return list(STRATEGIES)


def strategy_get(name: str, **parameters: Any) -> Strategy:
    """A new instance of the strategy ``name`` with ``parameters`` overriding its defaults.

    KeyError naming the known strategies for an unknown name; TypeError for an unknown parameter.
    """
    try:
        cls = STRATEGIES[name]
    except KeyError:
        raise KeyError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)}") from None
    return cls(**parameters)


def strategy_for_regime(regime: str) -> str | None:
    """The strategy the seed maps ``regime`` to; None for ``uncertain`` or an unknown regime (open nothing)."""
    return REGIME_STRATEGY.get(regime)


def strategy_names_validate(names: list[str]) -> list[str]:
    """``names`` without duplicates, in the given order; ValueError naming any unknown strategy
    (for validating the trader config's choice)."""
    unknown = [name for name in names if name not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strateg{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                         f"known: {', '.join(STRATEGIES)}")
    return list(dict.fromkeys(names))


def strategies_allowed(*, allowed: list[str], regime: str | None = None, use_regime_mapping: bool = False
                       ) -> list[str]:
    """Which strategies may open a position on a coin now.

    Without the mapping: ``allowed`` as configured (default ``["scanner"]``). With the
    mapping: only the strategy the coin's ``regime`` maps to, and only if it is allowed;
    none for ``uncertain``, an unknown regime or no regime (reduce exposure).
    """
    allowed = strategy_names_validate(allowed)
    if not use_regime_mapping:
        return allowed
    mapped = strategy_for_regime(regime or "")
    return [mapped] if mapped in allowed else []
