"""Real candles in the test database for the analysis tests (the newest 500 of each timeframe
before a common end time), through the market-data upsert like a fetch would store them."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd

from ta.engine.candles import candles_read_csv
from ta.models import Symbol
from ta.services.candles import candles_upsert
from ta.sources.base import Bar

END = pd.Timestamp("2024-06-01 12:00", tz="UTC")
TIMEFRAMES = ("5m", "1h", "4h")


@cache
def real_frames(
    klines_dir: Path, symbol: str, limit: int = 500, end: pd.Timestamp | None = END
) -> dict[str, pd.DataFrame]:
    """The newest ``limit`` candles of each timeframe opened at or before ``end`` (None: the file's end)."""
    frames = {}
    for timeframe in TIMEFRAMES:
        frame = candles_read_csv(str(klines_dir / f"{symbol}-{timeframe}.csv.gz"))
        frames[timeframe] = (frame if end is None else frame[frame.index <= end]).iloc[-limit:]
    return frames


def candles_store(
    klines_dir: Path, symbol: str, *, limit: int = 500, end: pd.Timestamp | None = END
) -> dict[str, pd.DataFrame]:
    """Store ``symbol``'s real candles in the database; returns the frames stored."""
    symbol_id = Symbol.objects.get(symbol=symbol).id
    frames = real_frames(klines_dir, symbol, limit, end)
    for timeframe, frame in frames.items():
        bars = [
            Bar(
                open_time=open_time.to_pydatetime(),
                open=Decimal(repr(row.open)),
                high=Decimal(repr(row.high)),
                low=Decimal(repr(row.low)),
                close=Decimal(repr(row.close)),
                volume=Decimal(repr(row.volume)),
            )
            for open_time, row in zip(frame.index, frame.itertuples(index=False), strict=True)
        ]
        candles_upsert(symbol_id=symbol_id, timeframe=timeframe, bars=bars)
    return frames
