"""Backfill the taker fields (quote and taker-buy quote volume) of stored Binance candles."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ta.management.arguments import comma_list
from ta.models import Symbol
from ta.services.taker_backfill import TakerBackfillProgress, candles_taker_backfill
from ta.sources import source_from_settings
from ta.sources.base import SourceError
from ta.sources.derivatives import PERIODS
from ta.timeframes import TIMEFRAME_DURATIONS


class Command(BaseCommand):
    help = (
        "Fill the quote and taker-buy quote volumes of stored candles that lack them (fetched before the "
        "klines kept them), from the Binance source that stored them, page by page with a pause; then "
        "rebuild the derivatives taker volumes and CVD of the 5m and 1h series from the candles."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=("binance", "binance_usdm"),
                            help="The source the candles came from (default: MARKET_DATA_SOURCE).")
        parser.add_argument("--symbols", type=comma_list, help="Comma-separated symbols (default: the enabled ones).")
        parser.add_argument("--timeframes", type=comma_list, default=list(PERIODS),
                            help="Comma-separated timeframes (default: 5m,1h, the CVD's periods).")
        parser.add_argument("--pause-s", type=float, default=0.5, help="Pause between pages, seconds (0.5).")

    def handle(self, *args, source: str | None, symbols: list[str] | None, timeframes: list[str], pause_s: float,
               **options):
        unknown = [tf for tf in timeframes if tf not in TIMEFRAME_DURATIONS]
        if unknown:
            raise CommandError(f"unknown timeframe(s): {', '.join(unknown)}")
        try:
            candle_source = source_from_settings(source)
        except SourceError as error:
            raise CommandError(str(error)) from None
        if candle_source.name not in ("binance", "binance_usdm"):
            raise CommandError(f"{candle_source.name} candles have no taker fields to backfill from a source "
                               "(the simulated market generates them; CSV files have none)")
        symbols = [s.upper() for s in symbols] if symbols else list(
            Symbol.objects.filter(enabled=True).values_list("symbol", flat=True))

        def on_page(progress: TakerBackfillProgress) -> None:
            self.stdout.write(f"  {progress.symbol} {progress.timeframe}: up to {progress.page_end:%Y-%m-%d %H:%M}, "
                              f"{progress.filled} filled, {progress.left} still lacking")

        try:
            filled = candles_taker_backfill(source=candle_source, symbols=symbols, timeframes=timeframes,
                                            pause_s=pause_s, on_page=on_page)
        except SourceError as error:
            raise CommandError(f"{candle_source.name}: {error} (run again to continue where it stopped)") from None
        finally:
            if hasattr(candle_source, "close"):
                candle_source.close()
        self.stdout.write(f"{candle_source.name}: {filled} candles got their taker fields")
