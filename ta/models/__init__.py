"""The ``ta`` app's models: market data (``market``) and, later, analysis results."""

from ta.models.analysis import ScanResult, ScanStatus, TAResult
from ta.models.market import Candle, MarketFeedState, Symbol

__all__ = ["Candle", "MarketFeedState", "ScanResult", "ScanStatus", "Symbol", "TAResult"]
