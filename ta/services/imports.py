"""Import candle files (shared klines CSV format) into the database, idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ta.models import Symbol
from ta.services.candles import candles_upsert
from ta.sources.csv_files import Rejection, csv_candles_read, csv_name_parse


class CandleImportError(Exception):
    """A file that cannot be imported at all (name, header, unknown symbol); the message says why."""


@dataclass
class ImportReport:
    """What one file gave: rows read, candles new or changed, rows rejected and why."""

    path: Path
    symbol: str
    timeframe: str
    valid: int = 0
    changed: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def candles_import_file(
    *, path: Path, symbol: str | None = None, timeframe: str | None = None, create_symbol: bool = False
) -> ImportReport:
    """Validate ``path`` and upsert its valid rows as closed candles; re-importing changes nothing.

    ``symbol`` and ``timeframe`` default to the file name's (``BTCUSDT-5m.csv.gz``).
    An unknown symbol is an error unless ``create_symbol``, which adds it disabled (so
    an import never changes what is traded). Invalid rows are skipped and reported.
    """
    parsed = csv_name_parse(path)
    symbol = symbol or (parsed[0] if parsed else None)
    timeframe = timeframe or (parsed[1] if parsed else None)
    if not symbol or not timeframe:
        raise CandleImportError(f"{path.name}: name is not <SYMBOL>-<tf>.csv[.gz]; give --symbol and --timeframe")
    symbol_row = Symbol.objects.filter(symbol=symbol).first()
    if symbol_row is None:
        if not create_symbol:
            raise CandleImportError(f"{path.name}: unknown symbol {symbol}; add it in the admin (or --create-symbols)")
        symbol_row = Symbol.objects.create(symbol=symbol, enabled=False, display_order=10_000)
    try:
        result = csv_candles_read(path, symbol=symbol, timeframe=timeframe)
    except ValueError as error:
        raise CandleImportError(str(error)) from None
    except OSError as error:
        raise CandleImportError(f"{path.name}: cannot read: {error}") from None
    report = ImportReport(path=path, symbol=symbol, timeframe=timeframe, valid=len(result.bars),
                          rejected=result.rejected)
    report.changed = candles_upsert(symbol_id=symbol_row.pk, timeframe=timeframe, bars=result.bars)
    return report


def import_paths_list(target: Path) -> list[Path]:
    """The candle files of ``target``: itself if a file, else its ``*.csv`` / ``*.csv.gz`` files, sorted."""
    if target.is_file():
        return [target]
    if not target.is_dir():
        raise CandleImportError(f"{target}: no such file or directory")
    return sorted(p for p in target.iterdir() if p.is_file() and p.name.endswith((".csv", ".csv.gz")))
