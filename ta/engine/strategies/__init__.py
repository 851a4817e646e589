"""Trading strategies behind one interface (tradefinder's suite) and a registry by name.

The trader and the backtester run these same classes: ``strategy_get("supertrend")``.
Definitions: docs/STRUCTURE.md, "Strategies".
"""

from ta.engine.strategies.base import LONG, SHORT, Strategy, StrategySignal
from ta.engine.strategies.registry import (
    REGIME_STRATEGY,
    STRATEGIES,
    strategies_allowed,
    strategy_for_regime,
    strategy_get,
    strategy_names,
    strategy_names_validate,
)

__all__ = [
    "LONG",
    "REGIME_STRATEGY",
    "SHORT",
    "STRATEGIES",
    "Strategy",
    "StrategySignal",
    "strategies_allowed",
    "strategy_for_regime",
    "strategy_get",
    "strategy_names",
    "strategy_names_validate",
]
