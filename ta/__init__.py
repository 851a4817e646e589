"""Market data (candles and their sources) and technical analysis (the pure engine in ta/engine/)."""
