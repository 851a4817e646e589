"""Optuna walk-forward study of the trader's thresholds, TP/SL and leverage rules (never touches the config)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trader.management.commands.backtest import _date


class Command(BaseCommand):
    help = ("Search thresholds, TP/SL and leverage rules with Optuna on walk-forward windows and print each "
            "fold's best parameters and their out-of-sample figures. --apply STUDY writes a stored study's "
            "recommendation into the live config (audited).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", default="", help="Comma-separated symbols.")
        parser.add_argument("--from", dest="start", help="Start (UTC), e.g. 2024-01-01.")
        parser.add_argument("--to", dest="end", help="End (exclusive, UTC).")
        parser.add_argument("--candles", help="Folder of kline CSV files instead of the database.")
        parser.add_argument("--strategy", default="scanner", help="scanner (default) or a suite strategy.")
        parser.add_argument("--folds", type=int, default=3, help="Walk-forward folds (windows = folds + 1).")
        parser.add_argument("--trials", type=int, default=30, help="Optuna trials per fold.")
        parser.add_argument("--metric", default="sharpe_adj",
                            help="sharpe_adj (default: the Sharpe ratio penalised for autocorrelated returns), "
                                 "sharpe, sortino, total_return_pct or profit_factor.")
        parser.add_argument("--min-trades", dest="min_trades", type=int, default=10,
                            help="Trades a train window needs for a trial to count (default 10).")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--store", action="store_true", help="Save the study.")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--apply", type=int, metavar="STUDY_ID",
                            help="Apply a stored study's recommended parameters to the live config (audited).")

    def handle(self, *args: object, **options: object) -> None:
        from django.core.exceptions import ValidationError

        from trader.backtest.data import HistoryMissing
        from trader.backtest.optimise import (
            OptimiseRequest,
            optimise,
            optimise_request_validate,
            study_apply,
            study_store,
        )
        from trader.backtest.service import BacktestRequest
        from trader.services.actor import Actor

        if options["apply"]:
            others = [flag for flag, name in (("--symbols", "symbols"), ("--from", "start"), ("--to", "end"),
                                              ("--candles", "candles"), ("--store", "store")) if options[name]]
            if others:
                raise CommandError(f"--apply takes no other arguments (got {', '.join(others)}): it applies a "
                                   "stored study")
            from trader.models import BacktestStudy

            if not BacktestStudy.objects.filter(pk=options["apply"]).exists():
                raise CommandError(f"no stored study {options['apply']} (see /backtests or --store)")
            try:
                study = study_apply(study_id=int(options["apply"]), actor=Actor.for_command(name="backtest_optimise"))
            except ValidationError as error:
                raise CommandError(f"the config refused the parameters: {error}") from None
            self.stdout.write(f"applied study {study.pk}: {study.recommended}")
            return
        symbols = tuple(s.strip().upper() for s in str(options["symbols"]).split(",") if s.strip())
        required = [flag for flag, given in (("--symbols", symbols), ("--from", options["start"]),
                                             ("--to", options["end"])) if not given]
        if required:
            raise CommandError(f"{', '.join(required)} required (or --apply STUDY_ID alone)")
        candles_dir = Path(str(options["candles"])) if options["candles"] else None
        if candles_dir is not None and not candles_dir.is_dir():
            raise CommandError(f"--candles {candles_dir} is not a folder")
        base = BacktestRequest(strategy=str(options["strategy"]), symbols=symbols, start=_date(str(options["start"])),
                               end=_date(str(options["end"])), candles_dir=candles_dir)
        request = OptimiseRequest(base=base, folds=int(options["folds"]), trials=int(options["trials"]),
                                  metric=str(options["metric"]), seed=int(options["seed"]),
                                  min_trades=int(options["min_trades"]))
        try:  # every argument, before any candle is read
            optimise_request_validate(request)
        except ValueError as error:
            raise CommandError(str(error)) from None
        from tqdm import tqdm

        with tqdm(total=0, unit="run", desc="optimise", file=sys.stderr, leave=False) as bar:
            def progress(done: int, total: int) -> None:
                bar.total, bar.n = total, done
                bar.refresh()

            try:
                outcome = optimise(request=request, progress=progress)
            except (ValueError, HistoryMissing) as error:
                raise CommandError(str(error)) from None
        if options["store"]:
            outcome["study_id"] = study_store(request=request, outcome=outcome).pk
        if options["json"]:
            self.stdout.write(json.dumps(outcome, indent=2, default=str))
            return
        # Out of sample first: the figures of windows the search never saw are the ones to judge by.
        summary = outcome["out_of_sample"]
        self.stdout.write(f"out of sample ({summary['windows']} test windows): {summary['trades']} trades, "
                          f"{summary['objective']} mean {summary['objective_mean']} median "
                          f"{summary['objective_median']}, {summary['windows_under_min_trades']} window(s) under "
                          f"{summary['min_trades']} trades")
        for fold in outcome["folds"]:
            flag = "  (under the minimum trades)" if fold["test_metrics"]["under_min_trades"] else ""
            self.stdout.write(f"  test {fold['test'][0]} .. {fold['test'][1]}  {fold['test_metrics']}{flag}")
        for fold in outcome["folds"]:
            self.stdout.write(f"train {fold['train'][0]} .. {fold['train'][1]}  score {fold['train_score']}  "
                              f"best {fold['best_params']}")
        if "study_id" in outcome:
            self.stdout.write(f"stored as study {outcome['study_id']} (apply with --apply {outcome['study_id']})")
