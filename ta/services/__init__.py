"""Services (writes) of the ta app; market data: ``candles``, ``fetch``, ``market_bus``, ``imports``."""
