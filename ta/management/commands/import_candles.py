"""Import candle CSV files (shared klines format) into the database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ta.services.imports import CandleImportError, candles_import_file, import_paths_list

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
        try:
            paths = import_paths_list(target)
        except CandleImportError as error:
            raise CommandError(str(error)) from None
        if (symbol or timeframe) and len(paths) != 1:
            raise CommandError("--symbol and --timeframe apply to a single file, not a directory")
        if not paths:
            raise CommandError(f"{target}: no .csv or .csv.gz files")
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
