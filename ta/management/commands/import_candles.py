"""Import candle CSV files (shared klines format) into the database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ta.models import Symbol
from ta.services.imports import CandleImportError, candles_import_file, import_paths_list
from ta.sources.csv_files import csv_name_parse
from ta.timeframes import TIMEFRAME_DURATIONS

SHOWN_REJECTIONS = 10


class Command(BaseCommand):
    help = (
        "Import <SYMBOL>-<tf>.csv[.gz] files (header timestamp,open,high,low,close,volume; ms open times) "
        "from a file or a directory. Rows out of order, duplicated or with impossible OHLC are rejected and "
        "reported; re-importing the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", metavar="FILE_OR_DIR", type=Path)
        parser.add_argument("--symbol", help="Symbol of the file (default: from its name). Single file only.")
        parser.add_argument("--timeframe", help="Timeframe of the file (default: from its name). Single file only.")
        parser.add_argument("--create-symbols", action="store_true",
                            help="Add unknown symbols (disabled, so nothing new is traded).")

    def handle(self, *args, target: Path, symbol: str | None, timeframe: str | None, create_symbols: bool, **options):
        symbol = symbol.strip().upper() if symbol else None
        paths = self._validated(target=target, symbol=symbol, timeframe=timeframe, create_symbols=create_symbols)
        failures = 0
        for path in paths:
            try:
                report = candles_import_file(path=path, symbol=symbol, timeframe=timeframe,
                                             create_symbol=create_symbols)
            except CandleImportError as error:
                failures += 1
                self.stderr.write(self.style.ERROR(f"skipped {error}"))
                continue
            self.stdout.write(
                f"{path.name}: {report.symbol} {report.timeframe}: {report.valid} valid, "
                f"{report.changed} new or changed, {len(report.rejected)} rejected"
            )
            for rejection in report.rejected[:SHOWN_REJECTIONS]:
                self.stdout.write(f"  line {rejection.line}: {rejection.reason}")
            if len(report.rejected) > SHOWN_REJECTIONS:
                self.stdout.write(f"  ... and {len(report.rejected) - SHOWN_REJECTIONS} more")
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) could not be imported")

    @staticmethod
    def _validated(*, target: Path, symbol: str | None, timeframe: str | None, create_symbols: bool) -> list[Path]:
        """Every argument and file name checked before any file is read; CommandError naming each
        problem and what is allowed. Returns the files to import."""
        try:
            paths = import_paths_list(target)
        except CandleImportError as error:
            raise CommandError(str(error)) from None
        problems = []
        if (symbol or timeframe) and len(paths) > 1:
            problems.append("--symbol and --timeframe apply to a single file, not a directory")
        if not paths:
            problems.append(f"{target}: no .csv or .csv.gz files")
        if timeframe is not None and timeframe not in TIMEFRAME_DURATIONS:
            problems.append(f"--timeframe {timeframe[:20]!r} is not one of {', '.join(TIMEFRAME_DURATIONS)}")
        if symbol is not None and not (symbol.isascii() and symbol.isalnum() and 2 <= len(symbol) <= 30):
            problems.append(f"--symbol {symbol[:40]!r} is not an exchange symbol such as BTCUSDT")
        if problems:
            raise CommandError("; ".join(problems))
        named = [(path, symbol or (csv_name_parse(path) or ("", ""))[0]) for path in paths]
        unnamed = [path.name for path, name in named if not name or not (timeframe or csv_name_parse(path))]
        if unnamed:
            problems.append(f"{', '.join(unnamed[:5])}: name is not <SYMBOL>-<tf>.csv[.gz] with tf one of "
                            f"{', '.join(TIMEFRAME_DURATIONS)}; give --symbol and --timeframe")
        if not create_symbols:
            wanted = {name for _path, name in named if name}
            unknown = sorted(wanted - set(Symbol.objects.filter(symbol__in=wanted).values_list("symbol", flat=True)))
            if unknown:
                problems.append(f"unknown symbol(s): {', '.join(unknown[:10])}; add them in the admin, or pass "
                                "--create-symbols (they are added disabled)")
        if problems:
            raise CommandError("; ".join(problems))
        return paths
