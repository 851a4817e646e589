"""Candles for a backtest: from a folder of kline CSV files or from the database.

Frames are the engine's (``ta.engine.candles``: float columns open..volume, aware UTC
open-time index, oldest first). The whole file (or stored series) is loaded so that the
indicators warm up before ``start``; the run itself trades only from ``start`` to ``end``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from ta.engine.candles import candles_read_csv
from ta.sources.csv_files import csv_path_find

DATABASE_LIMIT = 5_000_000  # every stored candle of a series (a year of 5m is ~105k)


class HistoryMissing(Exception):
    """A symbol has no candles of a timeframe the strategy needs."""


@dataclass(frozen=True)
class SymbolHistory:
    """One symbol's candles keyed by timeframe (engine frames); ``derivatives`` its stored 5m
    derivatives series (``ta.derivatives_selectors.derivatives_frame``) when the strategy reads it."""

    symbol: str
    frames: dict[str, pd.DataFrame]
    derivatives: pd.DataFrame | None = None


def history_from_folder(*, directory: Path, symbols: list[str], timeframes: tuple[str, ...]) -> list[SymbolHistory]:
    """Each symbol's ``<SYMBOL>-<tf>.csv[.gz]`` of ``directory``; ``HistoryMissing`` names the missing file."""
    histories = []
    for symbol in symbols:
        frames = {}
        for timeframe in timeframes:
            path = csv_path_find(directory, symbol=symbol, timeframe=timeframe)
            if path is None:
                raise HistoryMissing(f"no {symbol}-{timeframe}.csv(.gz) in {directory}")
            frames[timeframe] = candles_read_csv(str(path))
        histories.append(SymbolHistory(symbol=symbol, frames=frames))
    return histories


def history_from_database(*, symbols: list[str], timeframes: tuple[str, ...]) -> list[SymbolHistory]:
    """Each symbol's stored candles (``ta.selectors.candles_frame``); ``HistoryMissing`` when a series is empty."""
    from ta.selectors import candles_frame

    histories = []
    for symbol in symbols:
        frames = {}
        for timeframe in timeframes:
            frame = candles_frame(symbol=symbol, timeframe=timeframe, limit=DATABASE_LIMIT)
            if frame.empty:
                raise HistoryMissing(f"no {timeframe} candles of {symbol} in the database")
            frames[timeframe] = frame
        histories.append(SymbolHistory(symbol=symbol, frames=frames))
    return histories


def history_missing(*, symbols: list[str], timeframes: tuple[str, ...], candles_dir: Path | None,
                    start: datetime | None = None, end: datetime | None = None) -> list[str]:
    """What a run would not find, checked cheaply before loading anything: ``no BTCUSDT-1h.csv(.gz) in
    DIR`` for a missing file, ``no 1h candles of BTCUSDT in the database`` (within [start, end) when
    both are given) for an empty series. Empty when everything is there."""
    missing = []
    for symbol in symbols:
        for timeframe in timeframes:
            if candles_dir is not None:
                if csv_path_find(candles_dir, symbol=symbol, timeframe=timeframe) is None:
                    missing.append(f"no {symbol}-{timeframe}.csv(.gz) in {candles_dir}")
                continue
            from ta.models import Candle

            stored = Candle.objects.filter(symbol__symbol=symbol, timeframe=timeframe)
            if start is not None and end is not None:
                stored = stored.filter(open_time__gte=start, open_time__lt=end)
            if not stored.exists():
                period = " for that period" if start is not None and end is not None else ""
                missing.append(f"no {timeframe} candles of {symbol} in the database{period}")
    return missing


def histories_with_derivatives(histories: list[SymbolHistory], *, period: str = "5m") -> list[SymbolHistory]:
    """``histories`` with each symbol's whole stored derivatives series of ``period`` attached (from the
    database, whatever the candles' source). Every step reads only the rows known at its time
    (``ta.engine.derivatives.known_row_index``); steps before the first row have none: absent."""
    from ta.derivatives_selectors import derivatives_frame

    return [dataclasses.replace(history, derivatives=derivatives_frame(symbol=history.symbol, period=period))
            for history in histories]


def folder_symbols(directory: Path, *, timeframe: str) -> list[str]:
    """Symbols that have a ``timeframe`` file in ``directory``, sorted."""
    names = sorted(p.name for p in directory.iterdir())
    suffixes = (f"-{timeframe}.csv", f"-{timeframe}.csv.gz")
    return sorted({name.split("-")[0] for name in names if name.endswith(suffixes)})


def step_bounds(frame: pd.DataFrame, *, start: datetime | None, end: datetime | None) -> tuple[int, int]:
    """Row range [first, stop) of ``frame`` whose open time is within [start, end)."""
    first = 0 if start is None else int(frame.index.searchsorted(pd.Timestamp(start), side="left"))
    stop = len(frame) if end is None else int(frame.index.searchsorted(pd.Timestamp(end), side="left"))
    return first, stop
