"""Backtest a strategy on history: the live decision code on candles from a folder or the database."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.management.base import BaseCommand, CommandError, CommandParser

if TYPE_CHECKING:
    from trader.backtest.service import BacktestReport
    from trader.models import BacktestRun

# --flag -> (BacktestSettings/EntrySettings field, parser)
SETTING_FLAGS = {
    "long_threshold": int, "short_threshold": int, "max_positions": int, "max_leverage": int,
    "position_size_pct": Decimal, "ta_bonus_cap": int,
}


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date: {text!r} (use YYYY-MM-DD or an ISO time)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CommandError(f"not a number: {text!r}") from None


class Command(BaseCommand):
    help = ("Backtest a strategy (scanner: the live trader's rules; ema_cross: the reference) on stored candles "
            "or a folder of kline CSV files, and print the metrics (and every trade with --json).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strategy", default="scanner",
                            help="scanner (default), ema_cross, or a strategy of ta.engine.strategies "
                                 "(supertrend, squeeze_breakout, mean_reversion).")
        parser.add_argument("--compare", default="", help="Other strategies to run alone on the same candles "
                                                          "and settings, e.g. supertrend,mean_reversion.")
        parser.add_argument("--symbols", default="", help="Comma-separated, e.g. BTCUSDT,ETHUSDT (default: all "
                                                          "in --candles, or the enabled symbols).")
        parser.add_argument("--from", dest="start", help="First candle open time (UTC), e.g. 2024-03-01.")
        parser.add_argument("--to", dest="end", help="End (exclusive, UTC), e.g. 2024-06-01.")
        parser.add_argument("--timeframe", default="5m", help="Step candles (scanner: 5m only).")
        parser.add_argument("--candles", help="Folder of <SYMBOL>-<tf>.csv[.gz] files instead of the database.")
        parser.add_argument("--tp-pct", help="Take profit: price move %% (ema_cross) or %% of margin (scanner).")
        parser.add_argument("--sl-pct", help="Stop loss, positive: price move %% (ema_cross) or %% of margin.")
        parser.add_argument("--fee-pct", help="Taker fee per fill in %% (default: the market's, 0.05).")
        parser.add_argument("--slippage-pct", help="Market fills move this %% against the taker (default 0).")
        parser.add_argument("--funding-pct", help="Funding rate per 8 h in %%, longs pay (default 0).")
        parser.add_argument("--balance", help="Starting balance in USDT (default 10000).")
        for name in SETTING_FLAGS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, help=f"Override the config's {name}.")
        parser.add_argument("--leverage-rules", help='JSON, e.g. \'{"60+": 7, "default": 5}\'.')
        parser.add_argument("--use-ta-signals", choices=("true", "false"), help="Count the TA bonus (capped).")
        parser.add_argument("--trailing-stop", choices=("true", "false"), help="Override the trailing stop.")
        parser.add_argument("--no-kill-switch", action="store_true", help="Ignore the kill switch.")
        parser.add_argument("--attribution", action="store_true", help="Also run without and with the TA bonus.")
        parser.add_argument("--store", action="store_true", help="Save the run (shown on /backtests).")
        parser.add_argument("--json", action="store_true", help="Print metrics and every trade as JSON.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def handle(self, *args: object, **options: object) -> None:
        from trader.backtest.data import HistoryMissing, folder_symbols
        from trader.backtest.service import (
            BacktestRequest,
            backtest_execute,
            backtest_request_validate,
            backtest_store,
        )

        candles_dir = Path(str(options["candles"])) if options["candles"] else None
        if candles_dir is not None and not candles_dir.is_dir():
            raise CommandError(f"--candles {candles_dir} is not a folder")
        symbols = [s.strip().upper() for s in str(options["symbols"]).split(",") if s.strip()]
        if not symbols:
            if candles_dir is not None:
                symbols = folder_symbols(candles_dir, timeframe=str(options["timeframe"]))
            else:
                from ta.selectors import symbols_enabled

                symbols = symbols_enabled()
        if not symbols:
            raise CommandError("no symbols to backtest")
        request = BacktestRequest(
            strategy=str(options["strategy"]), symbols=tuple(symbols), timeframe=str(options["timeframe"]),
            start=_date(str(options["start"])) if options["start"] else None,
            end=_date(str(options["end"])) if options["end"] else None, candles_dir=candles_dir,
            overrides=self._overrides(options), tp_pct=_decimal(options["tp_pct"]),
            sl_pct=_decimal(options["sl_pct"]), fee_pct=_decimal(options["fee_pct"]),
            attribution=bool(options["attribution"]),
            compare=tuple(name.strip() for name in str(options["compare"]).split(",") if name.strip()),
        )
        try:  # every argument, before any candle is read
            backtest_request_validate(request)
        except ValueError as error:
            raise CommandError(str(error)) from None
        bar = None
        progress = None
        if not options["no_progress"]:
            from tqdm import tqdm

            bar = tqdm(total=0, unit="step", desc="backtest", file=sys.stderr, leave=False)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()
        try:
            report = backtest_execute(request=request, progress=progress)
        except (ValueError, HistoryMissing) as error:
            raise CommandError(str(error)) from None
        finally:
            if bar is not None:
                bar.close()
        run = backtest_store(report=report) if options["store"] else None
        if options["json"]:
            payload = report.as_json()
            if run is not None:
                payload["run_id"] = run.pk
            self.stdout.write(json.dumps(payload, indent=2, default=str))
            return
        self._print(report, run)

    @staticmethod
    def _overrides(options: dict) -> dict:
        overrides: dict = {}
        for name, kind in SETTING_FLAGS.items():
            if options[name] is not None:
                try:
                    overrides[name] = kind(options[name])
                except (ValueError, InvalidOperation):
                    raise CommandError(f"--{name.replace('_', '-')}: not a number: {options[name]!r}") from None
        if options["leverage_rules"]:
            try:
                overrides["leverage_rules"] = {str(k): int(v) for k, v in json.loads(options["leverage_rules"]).items()}
            except (ValueError, AttributeError, TypeError):
                raise CommandError("--leverage-rules must be a JSON object like {\"60+\": 7, \"default\": 5}") from None
        if options["use_ta_signals"]:
            overrides["use_ta_signals"] = options["use_ta_signals"] == "true"
        if options["trailing_stop"]:
            overrides["trailing_stop"] = options["trailing_stop"] == "true"
        if options["no_kill_switch"]:
            overrides["kill_switch_drawdown_pct"] = None
        for flag, name, scale in (("slippage_pct", "slippage_rate", 100), ("funding_pct", "funding_rate_8h", 100),
                                  ("balance", "starting_balance", 1)):
            value = _decimal(options[flag])
            if value is not None:
                overrides[name] = value / scale
        return overrides

    def _print(self, report: BacktestReport, run: BacktestRun | None) -> None:
        metrics = report.metrics
        self.stdout.write(f"{report.request.strategy} on {len(report.request.symbols)} symbol(s), "
                          f"{metrics['candles']} candles over {metrics['days']} days")
        for name in ("final_equity", "total_return_pct", "cagr_pct", "max_drawdown_pct", "trades", "win_rate_pct",
                     "profit_factor", "average_trade", "sharpe", "sortino", "exposure_pct", "kill_switch_at"):
            self.stdout.write(f"  {name:18} {metrics[name]}")
        for symbol, row in metrics["per_symbol"].items():
            self.stdout.write(f"  {symbol:12} {row['trades']:5} trades  win {row['win_rate_pct']:6}%  "
                              f"pnl {row['pnl']}")
        for label, figures in report.attribution.items():
            self.stdout.write(f"  {label}: {figures}")
        if run is not None:
            self.stdout.write(f"stored as run {run.pk}")
