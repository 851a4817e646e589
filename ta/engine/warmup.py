"""Compile (or load from numba's on-disk cache) every kernel before the first real scan.

A cold numba cache costs seconds on the first call; a worker calls ``engine_warm`` when
it starts so the first scan is fast. Where the cache lives is the caller's concern
(``NUMBA_CACHE_DIR``, set by the Django settings to a writable directory).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ta.engine.analysis import symbol_analyse

WARM_CANDLES = 120


def engine_warm() -> None:
    """Run one analysis on a small synthetic market so every kernel is compiled or loaded."""
    steps = np.arange(WARM_CANDLES, dtype=np.float64)
    close = 100.0 + np.sin(steps / 5.0) * 2.0 + steps * 0.01
    frames = {}
    for timeframe, freq in (("5m", "5min"), ("1h", "1h"), ("4h", "4h")):
        index = pd.date_range("2024-01-01", periods=WARM_CANDLES, freq=freq, tz="UTC")
        frames[timeframe] = pd.DataFrame(
            {"open": close, "high": close + 0.5, "low": close - 0.5, "close": close, "volume": 10.0 + steps},
            index=index,
        )
    symbol_analyse(symbol="WARMUP", frames=frames, leverage_rules={"default": 1}, max_leverage=1)
