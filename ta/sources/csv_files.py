"""Candle CSV files in the shared klines format, read and validated.

Format (../shared/data/klines/README.md): ``<SYMBOL>-<tf>.csv`` or ``.csv.gz``, header
``timestamp,open,high,low,close,volume``, timestamp = open time in ms since the epoch
(UTC), rows in time order. Values are kept exactly (decimal strings -> ``Decimal``).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ta.sources.base import Bar, from_millis
from ta.sources.binance import ohlcv_problem
from ta.timeframes import TIMEFRAME_DURATIONS, timeframe_duration

HEADER = ["timestamp", "open", "high", "low", "close", "volume"]
FILE_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)-(?P<timeframe>\d+[mhdw])\.csv(?:\.gz)?$")


@dataclass(frozen=True)
class Rejection:
    """A row not taken, and why (``line`` counts from 1, the header being line 1)."""

    line: int
    reason: str


@dataclass
class CsvCandles:
    """The valid candles of one file (oldest first) and the rows rejected."""

    symbol: str
    timeframe: str
    bars: list[Bar] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def csv_name_parse(path: Path) -> tuple[str, str] | None:
    """(symbol, timeframe) from a file name like ``BTCUSDT-5m.csv.gz``; None when it does not match."""
    match = FILE_NAME.match(path.name)
    if not match or match["timeframe"] not in TIMEFRAME_DURATIONS:
        return None
    return match["symbol"], match["timeframe"]


def csv_path_find(directory: Path, *, symbol: str, timeframe: str) -> Path | None:
    """The file of ``symbol`` and ``timeframe`` in ``directory`` (``.csv.gz`` or ``.csv``), if any."""
    for suffix in (".csv.gz", ".csv"):
        candidate = directory / f"{symbol}-{timeframe}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def csv_candles_read(path: Path, *, symbol: str, timeframe: str) -> CsvCandles:
    """Read and validate a candle file; bad rows are listed in ``rejected``, never raised.

    Checks per row: six fields, integer timestamp aligned to ``timeframe``, strictly
    after the previous valid row (a repeat is a "duplicate", an earlier one "out of
    order"), numeric values, high >= max(open, close), low <= min(open, close), positive
    prices, volume >= 0. A wrong header raises ``ValueError`` (the file is not this format).
    """
    step_ms = timeframe_duration(timeframe).total_seconds() * 1000
    result = CsvCandles(symbol=symbol, timeframe=timeframe)
    seen: set[int] = set()
    previous_ms: int | None = None
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [name.strip().lower() for name in header] != HEADER:
            raise ValueError(f"{path.name}: header must be {','.join(HEADER)}, found {header}")
        for line, row in enumerate(reader, start=2):
            reason = None
            if len(row) != len(HEADER):
                reason = f"expected {len(HEADER)} fields, found {len(row)}"
            else:
                try:
                    open_ms = int(row[0])
                    values = [Decimal(value) for value in row[1:]]
                except (ValueError, InvalidOperation):
                    reason = "a value is not a number"
                else:
                    if not all(value.is_finite() for value in values):
                        reason = "a value is not finite"
                    elif open_ms % step_ms:
                        reason = f"timestamp {open_ms} is not aligned to {timeframe}"
                    elif open_ms in seen:
                        reason = f"duplicate timestamp {open_ms}"
                    elif previous_ms is not None and open_ms < previous_ms:
                        reason = f"out of order: timestamp {open_ms} before {previous_ms}"
                    else:
                        reason = ohlcv_problem(*values)
            if reason:
                result.rejected.append(Rejection(line, reason))
                continue
            seen.add(open_ms)
            previous_ms = open_ms
            result.bars.append(Bar(from_millis(open_ms), *values, is_closed=True))
    return result
