"""The ``ta`` app's models: market data (``market``), TA results (``analysis``) and market structure."""

from ta.models.analysis import ScanResult, ScanStatus, TAResult
from ta.models.derivatives import DerivativesPeriod, DerivativesPoint
from ta.models.market import Candle, MarketFeedState, Symbol
from ta.models.structure import (
    ConfluenceFactor,
    FibConfig,
    FibonacciLevels,
    LatestSignal,
    MarketRegime,
    SRLevel,
    SwingPoint,
    TradingSignal,
)

__all__ = [
    "Candle",
    "ConfluenceFactor",
    "DerivativesPeriod",
    "DerivativesPoint",
    "FibConfig",
    "FibonacciLevels",
    "LatestSignal",
    "MarketFeedState",
    "MarketRegime",
    "SRLevel",
    "ScanResult",
    "ScanStatus",
    "SwingPoint",
    "Symbol",
    "TAResult",
    "TradingSignal",
]
