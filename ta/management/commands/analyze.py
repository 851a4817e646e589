"""``manage.py analyze SYMBOL [--candles FILE] [--json]`` or ``manage.py analyze --all``.

One symbol: print its TA result (seed schema). From the database by default (the newest
``--limit`` candles of 5m, 1h, 4h); with ``--candles FILE`` offline from a 5m kline CSV
(``timestamp,open,high,low,close,volume``, ms; gz allowed), its 1h and 4h candles
aggregated from the 5m ones. The TA result is neither stored nor published. From the
database, every structure engine (swings, S/R, Fibonacci, order blocks, confluence,
signal, regime) also runs on the stored candles and its results are stored
(``ta.services.structure``); offline nothing is stored. When a timeframe lacks candles,
the command says what it stored and what was missing; it fails only when nothing could
be analysed.

``--all``: the worker's scan without a worker: ``ta.services.analysis.analysis_scan``
(what the ``analysis.scan`` task runs: every enabled coin analysed, stored and
published) and then ``structure_scan`` (the ``analysis.structure`` task), with a
progress bar and a summary line; it fails only when no coin could be analysed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ta.engine.analysis import SymbolAnalysis, symbol_analyse
from ta.engine.candles import candles_read_csv, candles_resample, candles_spacing_s
from ta.engine.indicators import MIN_CANDLES
from ta.models import Candle, Symbol
from ta.services.analysis import analysis_scan, leverage_config_current, symbol_analysis_compute
from ta.services.structure import StructureReport, structure_scan
from ta.structure_selectors import regime_latest, signals_list
from ta.timeframes import PLATFORM_TIMEFRAMES

FIVE_MINUTES_S = 300.0
MAX_LIMIT = 5000  # TA_CANDLES_LIMIT's own bound


def analysis_from_csv(*, symbol: str, path: Path, limit: int) -> SymbolAnalysis:
    """Analyse a 5m kline CSV offline (1h/4h aggregated from it); CommandError for other files."""
    try:
        five = candles_read_csv(str(path))
    except (OSError, ValueError, KeyError) as error:
        raise CommandError(f"cannot read {path}: {error}") from error
    if candles_spacing_s(five) != FIVE_MINUTES_S:
        raise CommandError(f"{path} does not hold 5m candles (the 1h and 4h candles are built from them)")
    frames = {
        "5m": five.iloc[-limit:],
        "1h": candles_resample(five, "1h").iloc[-limit:],
        "4h": candles_resample(five, "4h").iloc[-limit:],
    }
    rules, max_leverage = leverage_config_current()
    return symbol_analyse(symbol=symbol, frames=frames, leverage_rules=rules, max_leverage=max_leverage)


def stored_counts(symbol: str) -> dict[str, int]:
    """Stored candles of ``symbol`` per platform timeframe."""
    return {tf: Candle.objects.filter(symbol__symbol=symbol, timeframe=tf).count() for tf in PLATFORM_TIMEFRAMES}


class Command(BaseCommand):
    help = ("Print a symbol's TA result in the seed schema, from the database or a 5m candle CSV (offline); "
            "--all runs the worker's scan of every enabled coin now (no Celery needed).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("symbol", nargs="?", help="Exchange symbol, e.g. BTCUSDT (or --all).")
        parser.add_argument("--all", action="store_true",
                            help="Scan every enabled coin as the worker does: analyse, store, publish.")
        parser.add_argument("--candles", type=Path, help="5m kline CSV to analyse instead of the database.")
        parser.add_argument("--json", action="store_true",
                            help="One symbol: only the TA result as one line of JSON. --all: the scan reports.")
        parser.add_argument("--limit", type=int, help=f"Candles per timeframe, {MIN_CANDLES}-{MAX_LIMIT} "
                                                      "(default TA_CANDLES_LIMIT). One symbol only.")
        parser.add_argument("--no-progress", action="store_true", help="--all: no progress bar.")

    def handle(self, *args: object, **options: object) -> None:
        symbol = self._validated(options)
        if options["all"]:
            self._scan_all(as_json=bool(options["json"]), progress=not options["no_progress"])
            return
        limit = int(options["limit"] or settings.TA_CANDLES_LIMIT)
        if options["candles"]:
            analysis = analysis_from_csv(symbol=symbol, path=options["candles"], limit=limit)
            if not analysis.ok:
                raise CommandError(f"{symbol}: {analysis.status}: {analysis.reason}")
        else:
            analysis = symbol_analysis_compute(symbol=symbol, limit=limit)
            structure = self._structure(symbol, limit=limit, quiet=bool(options["json"]))
            if not analysis.ok:
                self._partial(symbol, analysis=analysis, structure=structure)
                return
        self._print(analysis, as_json=bool(options["json"]))

    def _validated(self, options: dict) -> str:
        """Every argument checked before any work; the symbol (upper case), "" with --all."""
        symbol = str(options["symbol"] or "").strip().upper()
        if options["all"]:
            given = [flag for flag, value in (("SYMBOL", symbol), ("--candles", options["candles"]),
                                              ("--limit", options["limit"])) if value]
            if given:
                raise CommandError(f"--all scans every enabled coin with TA_CANDLES_LIMIT candles as the worker "
                                   f"does; it takes no {', '.join(given)}")
            return ""
        if not symbol:
            raise CommandError("name a SYMBOL (e.g. BTCUSDT), or --all for every enabled coin")
        if not symbol.isascii() or not symbol.isalnum() or not 2 <= len(symbol) <= 30:
            raise CommandError(f"{symbol[:40]!r} is not an exchange symbol such as BTCUSDT")
        limit = options["limit"]
        if limit is not None and not MIN_CANDLES <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be from {MIN_CANDLES} (the engine's minimum) to {MAX_LIMIT}, "
                               f"not {limit}")
        if options["candles"]:
            if not Path(options["candles"]).is_file():
                raise CommandError(f"--candles {options['candles']}: no such file")
        elif not Symbol.objects.filter(symbol=symbol).exists():
            raise CommandError(f"unknown symbol {symbol}: not in the symbol list (add it in the admin, or analyse "
                               "a 5m candle file with --candles)")
        return symbol

    def _print(self, analysis: SymbolAnalysis, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(analysis.ta_result, allow_nan=False))
            return
        self.stdout.write(json.dumps(analysis.ta_result, indent=2, allow_nan=False))
        scan = analysis.scan
        for side in ("long", "short"):
            base, bonus = scan[f"{side}_score"], scan[f"ta_{side}_bonus"]
            self.stdout.write(f"{side}: base {base} + TA {bonus} = {base + bonus}")
            for reason in scan[f"{side}_reasons"]:
                self.stdout.write(f"  {reason}")
        self.stdout.write(f"direction {scan['direction']}, suggested leverage {scan['suggested_leverage']}x")

    def _partial(self, symbol: str, *, analysis: SymbolAnalysis, structure: StructureReport) -> None:
        """The TA could not run: say which candles are stored and which are short; fail unless the
        structure of some timeframe was stored."""
        counts = stored_counts(symbol)
        stored = ", ".join(f"{tf} {count}" for tf, count in counts.items())
        short = [f"{tf} ({count} of {MIN_CANDLES})" for tf, count in counts.items() if count < MIN_CANDLES]
        message = (f"{symbol}: {analysis.status}: {analysis.reason}; stored candles: {stored}"
                   + (f"; missing: {', '.join(short)}" if short else ""))
        if not structure.stored:
            raise CommandError(message)
        done = ", ".join(name.split(":")[1] for name in structure.stored)
        self.stderr.write(f"TA not analysed: {message}")
        self.stderr.write(f"structure stored for {done}; fetch the missing candles (manage.py fetch_candles "
                          f"--symbols {symbol}) to analyse the rest")

    def _structure(self, symbol: str, *, limit: int, quiet: bool) -> StructureReport:
        """Run and store the structure engines on the stored candles; report each timeframe on stderr."""
        report = structure_scan(symbols=[symbol], limit=limit)
        if quiet:
            return report
        if not (report.stored or report.insufficient or report.errors):
            self.stderr.write(f"structure: {symbol} is not an enabled symbol; nothing stored")
            return report
        for name in report.stored:
            timeframe = name.split(":")[1]
            regime = regime_latest(symbol=symbol, timeframe=timeframe)
            signal = next(iter(signals_list(symbol=symbol, timeframe=timeframe, limit=1)), None)
            described = "no signal" if signal is None else (
                f"{signal['direction']} signal ({signal['state']}) score {signal['market_score']}, "
                f"entry {signal['entry1']}, stop {signal['sl']}, confluence {signal['confluence'] or '-'}"
            )
            self.stderr.write(f"structure {timeframe}: stored; regime {regime['regime'] if regime else '-'}; "
                              f"{described}")
        for name, reason in report.insufficient.items():
            self.stderr.write(f"structure {name.split(':')[1]}: insufficient data: {reason}")
        for name, error in report.errors.items():
            self.stderr.write(f"structure {name.split(':')[1]}: failed: {error}")
        return report

    def _scan_all(self, *, as_json: bool, progress: bool) -> None:
        """The worker's two scans (TA, then structure) over every enabled coin, with a summary line."""
        bars: dict[str, object] = {}

        def hook(phase: str):
            if not progress:
                return None
            from tqdm import tqdm

            def advance(symbol: str, total: int) -> None:
                if phase not in bars:  # the raw stream: OutputWrapper would end every redraw with a newline
                    bars[phase] = tqdm(total=total, unit="coin", desc=phase, file=getattr(self.stderr, "_out",
                                                                                          sys.stderr), leave=False)
                bars[phase].set_postfix_str(symbol, refresh=False)
                bars[phase].update(1)
            return advance

        try:
            scan = analysis_scan(on_symbol=hook("TA scan"))
            structure = structure_scan(on_symbol=hook("structure"))
        finally:
            for bar in bars.values():
                bar.close()
        if as_json:
            self.stdout.write(json.dumps({"scan": scan.as_dict(), "structure": structure.as_dict()}))
        else:
            for symbol, reason in {**scan.insufficient, **scan.errors}.items():
                self.stderr.write(f"{symbol}: not analysed: {reason}")
        total = len(scan.analysed) + len(scan.insufficient) + len(scan.errors)
        (self.stderr if as_json else self.stdout).write(
            f"scanned {total} enabled coin(s) in {scan.duration_s + structure.duration_s:.1f} s: "
            f"{len(scan.analysed)} analysed, {len(scan.insufficient)} without enough data, {len(scan.errors)} "
            f"failed; structure {len(structure.stored)} series stored, {len(structure.insufficient)} without "
            f"enough data, {len(structure.errors)} failed")
        if not scan.analysed and not structure.stored:
            raise CommandError("nothing could be analysed" + (
                "" if total else ": no coin is enabled (enable some in the admin)"))
