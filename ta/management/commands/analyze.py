"""``manage.py analyze SYMBOL [--candles FILE] [--json]``: print a symbol's TA result (seed schema).

From the database by default (the newest ``TA_CANDLES_LIMIT`` candles of 5m, 1h, 4h);
with ``--candles FILE`` offline from a 5m kline CSV (``timestamp,open,high,low,close,
volume``, ms; gz allowed), its 1h and 4h candles aggregated from the 5m ones. The TA
result is neither stored nor published. From the database, every structure engine
(swings, S/R, Fibonacci, order blocks, confluence, signal, regime) also runs on the
stored 5m, 1h and 4h candles and its results are stored (``ta.services.structure``);
offline nothing is stored. Exits with an error when the TA candles cannot be analysed.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ta.engine.analysis import SymbolAnalysis, symbol_analyse
from ta.engine.candles import candles_read_csv, candles_resample, candles_spacing_s
from ta.services.analysis import leverage_config_current, symbol_analysis_compute
from ta.services.structure import structure_scan
from ta.structure_selectors import regime_latest, signals_list

FIVE_MINUTES_S = 300.0


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


class Command(BaseCommand):
    help = "Print a symbol's TA result in the seed schema, from the database or a 5m candle CSV (offline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("symbol", help="Exchange symbol, e.g. BTCUSDT.")
        parser.add_argument("--candles", type=Path, help="5m kline CSV to analyse instead of the database.")
        parser.add_argument("--json", action="store_true", help="Print only the TA result as one line of JSON.")
        parser.add_argument("--limit", type=int, default=settings.TA_CANDLES_LIMIT,
                            help="Candles per timeframe (default TA_CANDLES_LIMIT).")

    def handle(self, *args: object, **options: object) -> None:
        symbol = str(options["symbol"]).upper()
        limit = int(options["limit"])
        if options["candles"]:
            analysis = analysis_from_csv(symbol=symbol, path=options["candles"], limit=limit)
        else:
            analysis = symbol_analysis_compute(symbol=symbol, limit=limit)
            self._structure(symbol, limit=limit, quiet=bool(options["json"]))
        if not analysis.ok:
            raise CommandError(f"{symbol}: {analysis.status}: {analysis.reason}")
        if options["json"]:
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

    def _structure(self, symbol: str, *, limit: int, quiet: bool) -> None:
        """Run and store the structure engines on the stored candles; report each timeframe on stderr."""
        report = structure_scan(symbols=[symbol], limit=limit)
        if quiet:
            return
        if not (report.stored or report.insufficient or report.errors):
            self.stderr.write(f"structure: {symbol} is not an enabled symbol; nothing stored")
            return
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
