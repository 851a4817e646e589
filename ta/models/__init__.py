"""The ``ta`` app's models: market data (``market``) and, later, analysis results."""

from ta.models.market import Candle, MarketFeedState, Symbol

__all__ = ["Candle", "MarketFeedState", "Symbol"]
