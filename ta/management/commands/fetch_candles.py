"""Fetch candles now, from the configured source or another one (backfills on first run)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ta.management.arguments import comma_list
from ta.models import Candle, Symbol
from ta.services.feed_state import feed_source_switch
from ta.services.fetch import market_fetch
from ta.sources import SOURCE_NAMES, source_from_settings
from ta.sources.base import CandleSource, SourceError
from ta.timeframes import PLATFORM_TIMEFRAMES, TIMEFRAME_DURATIONS

PROGRESS_MIN_CANDLES = 5000  # a progress bar only for long backfills


class Command(BaseCommand):
    help = (
        "Fetch candles into the database and publish them on the bus. Series with no candles are backfilled "
        "(--backfill, default MARKET_DATA_BACKFILL_CANDLES); gaps in that window are refilled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=SOURCE_NAMES, help="Default: MARKET_DATA_SOURCE.")
        parser.add_argument("--symbols", type=comma_list, help="Comma-separated symbols (default: the enabled ones).")
        parser.add_argument("--timeframes", type=comma_list, default=list(PLATFORM_TIMEFRAMES),
                            help="Comma-separated timeframes (default: 5m,1h,4h).")
        parser.add_argument("--backfill", type=int, help="Candles per series when it has none stored.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--switch-source", action="store_true",
            help="Delete every stored candle first, so the source can change (sources never mix in a series).",
        )
        parser.add_argument("--no-input", action="store_true", help="Do not ask before --switch-source deletes.")

    def handle(self, *args, source: str | None, symbols: list[str] | None, timeframes: list[str],
               backfill: int | None, no_progress: bool, switch_source: bool, no_input: bool, **options):
        symbols = [symbol.upper() for symbol in symbols] if symbols is not None else None
        candle_source = self._validated(source=source, symbols=symbols, timeframes=timeframes, backfill=backfill)
        if switch_source:
            self._switch(candle_source.name, ask=not no_input)
        series_count = len(timeframes) * (len(symbols) if symbols else Symbol.objects.filter(enabled=True).count())
        expected = series_count * (backfill or settings.MARKET_DATA_BACKFILL_CANDLES)
        bar = None
        if not no_progress and expected >= PROGRESS_MIN_CANDLES:
            # The raw stream: OutputWrapper would end every redraw with a newline.
            bar = tqdm(total=expected, unit="candle", file=self.stderr._out, desc=f"fetch from {candle_source.name}")

        def on_page(symbol: str, timeframe: str, count: int) -> None:
            if bar is not None:
                bar.set_postfix_str(f"{symbol} {timeframe}", refresh=False)
                bar.update(count)

        try:
            report = market_fetch(timeframes=timeframes, symbols=symbols, source=candle_source, backfill=backfill,
                                  extend_history=backfill is not None, on_page=on_page)
        finally:
            if bar is not None:
                bar.close()
        summary = report.as_dict()
        self.stdout.write(
            f"{candle_source.name}: {summary['candles_fetched']} candles fetched, {summary['candles_changed']} new "
            f"or changed, {len(report.symbols_changed)} symbol(s) updated"
        )
        for line in report.errors:
            self.stderr.write(self.style.WARNING(line))
        if report.stopped or (report.series and all(o.error for o in report.series)):
            raise CommandError("fetching failed (see above)")

    @staticmethod
    def _validated(*, source: str | None, symbols: list[str] | None, timeframes: list[str],
                   backfill: int | None) -> CandleSource:
        """Every argument checked before anything is fetched or deleted; CommandError naming each
        problem and what is allowed. Returns the candle source."""
        problems = []
        unknown = [tf for tf in timeframes if tf not in TIMEFRAME_DURATIONS]
        if unknown:
            problems.append(f"unknown timeframe(s): {', '.join(unknown)} (one of {', '.join(TIMEFRAME_DURATIONS)})")
        elif not timeframes:
            problems.append(f"--timeframes names no timeframe (e.g. {','.join(PLATFORM_TIMEFRAMES)})")
        if backfill is not None and backfill < 1:
            problems.append("--backfill must be at least 1")
        if symbols is not None:
            known = Symbol.objects.filter(symbol__in=symbols).values_list("symbol", flat=True)
            missing = sorted(set(symbols) - set(known))
            if missing:
                problems.append(f"unknown symbol(s): {', '.join(missing)} (add them in the admin)")
            elif not symbols:
                problems.append("--symbols names no symbol (e.g. BTCUSDT,ETHUSDT)")
        elif not Symbol.objects.filter(enabled=True).exists():
            problems.append("no coin is enabled: enable some in the admin, or name them with --symbols")
        candle_source = None
        try:
            candle_source = source_from_settings(source)
        except SourceError as error:
            problems.append(str(error))
        if problems:
            raise CommandError("; ".join(problems))
        return candle_source

    def _switch(self, source: str, *, ask: bool) -> None:
        count = Candle.objects.count()
        if ask and count:
            answer = input(f"Delete all {count} stored candles to switch the market data to {source}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("nothing deleted")
        deleted = feed_source_switch(source=source)
        self.stdout.write(f"deleted {deleted} candles; {source} starts afresh")
