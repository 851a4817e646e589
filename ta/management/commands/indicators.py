"""``manage.py indicators --candles FILE --out FILE.csv``: every indicator series of a candle file.

Columns: timestamp (ISO 8601 UTC open time), ema_8 ... ema_89, rsi_14, stochrsi_k,
stochrsi_d, bb_upper, bb_mid, bb_lower, kc_upper, kc_mid, kc_lower, squeeze_on,
squeeze_momentum, atr_14, adx_14, plus_di_14, minus_di_14, vwap. Warm-up cells are
empty. Definitions: docs/INDICATORS.md.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ta.engine.candles import candles_read_csv
from ta.engine.indicators import indicators_frame


class Command(BaseCommand):
    help = "Write every indicator series of a kline CSV to a CSV file, for inspection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--candles", type=Path, required=True, help="Kline CSV (timestamp ms, OHLCV; gz allowed).")
        parser.add_argument("--out", type=Path, required=True, help="CSV file to write.")

    def handle(self, *args: object, **options: object) -> None:
        source: Path = options["candles"]
        target: Path = options["out"]
        try:
            frame = candles_read_csv(str(source))
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"cannot read {source}: {error}") from error
        series = indicators_frame(frame)
        series.index = series.index.strftime("%Y-%m-%dT%H:%M:%SZ")
        series.index.name = "timestamp"
        series.to_csv(target)
        self.stdout.write(f"wrote {len(series)} rows x {len(series.columns)} series to {target}")
