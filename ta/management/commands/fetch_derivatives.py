"""Fetch the derivatives series now (open interest, long/short ratios, taker volume/CVD, funding)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ta.management.arguments import comma_list
from ta.models import Symbol
from ta.services.derivatives import derivatives_fetch
from ta.sources import SOURCE_NAMES
from ta.sources.base import SourceError
from ta.sources.derivatives import PERIODS, derivatives_source_from_settings


class Command(BaseCommand):
    help = (
        "Fetch the derivatives series of the enabled symbols (5m and 1h) from the source matching "
        "MARKET_DATA_SOURCE: Binance's public data endpoints (30 days at most, paced under "
        "DERIVATIVES_BUDGET_REQUESTS_5M, waiting for the next window as needed), the simulated market, "
        "or the replay database. Series with nothing stored are backfilled; the others follow."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=SOURCE_NAMES, help="Default: MARKET_DATA_SOURCE.")
        parser.add_argument("--symbols", type=comma_list, help="Comma-separated symbols (default: the enabled ones).")
        parser.add_argument("--periods", type=comma_list, default=list(PERIODS),
                            help="Comma-separated: 5m,1h (default).")
        parser.add_argument(
            "--backfill", action="store_true",
            help="Also re-copy the candles' taker volumes over their whole history and recompute the CVD from "
            "the start (after backfill_taker_volumes, or when the stored CVD is in doubt).",
        )

    def handle(self, *args, source: str | None, symbols: list[str] | None, periods: list[str], backfill: bool,
               **options):
        symbols = [symbol.upper() for symbol in symbols] if symbols is not None else None
        problems = [f"unknown period {period!r} (5m or 1h)" for period in periods if period not in PERIODS]
        if symbols is not None:
            missing = sorted(set(symbols) - set(Symbol.objects.filter(symbol__in=symbols)
                                                .values_list("symbol", flat=True)))
            if missing:
                problems.append(f"unknown symbol(s): {', '.join(missing)} (add them in the admin)")
        data_source = None
        try:
            data_source = derivatives_source_from_settings(source)
        except SourceError as error:
            problems.append(str(error))
        if data_source is None and not problems:
            problems.append("derivatives data is disabled (DERIVATIVES_ENABLED=false)")
        if problems:
            raise CommandError("; ".join(problems))
        budget = getattr(data_source, "budget", None)
        if budget is not None:
            budget.max_wait_s = 310.0  # a command waits for the next window instead of stopping

        def on_page(symbol: str, period: str, kind: str, rows: int) -> None:
            self.stdout.write(f"  {symbol} {period} {kind}: {rows} rows")

        report = derivatives_fetch(symbols=symbols, periods=periods, source=data_source, backfill=backfill,
                                   on_page=on_page)
        summary = report.as_dict()
        self.stdout.write(
            f"{report.source}: {summary['rows_fetched']} rows fetched, {summary['rows_changed']} new or changed"
            + (f", waited {budget.waited_s:.0f} s for the request budget" if budget is not None else "")
        )
        if report.absent:
            self.stdout.write(self.style.WARNING(report.absent))
        for line in report.errors:
            self.stderr.write(self.style.WARNING(line))
        if report.stopped:
            raise CommandError(f"stopped: {report.stopped}")
