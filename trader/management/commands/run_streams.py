"""Run the exchange streams of the configured venue (trader.services.streams) until stopped."""

import signal
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Subscribe to the configured venue's mark price and 5m kline streams for the enabled coins (and, in "
        "live mode, the user-data stream): candles are stored and announced, gaps repaired from REST, and a "
        "fired protective order wakes the trader. Binance USD-M only; on CoinEx REST stays the source."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=0, help="Stop after this long (0: run until stopped).")
        parser.add_argument("--recheck", type=float, default=30.0,
                            help="Seconds between re-reading the venue, mode and enabled coins.")

    def handle(self, *args, seconds: float, recheck: float, **options):
        from trader.services.streams import streams_serve

        stopping = False
        deadline = time.monotonic() + seconds if seconds > 0 else None

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        streams_serve(should_stop=lambda: stopping or (deadline is not None and time.monotonic() > deadline),
                      recheck_s=recheck)
        self.stdout.write("streams stopped")
