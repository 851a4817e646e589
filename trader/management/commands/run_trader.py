"""Run the trading cycle in a loop in this process: for hosts where Redis or Celery is down."""

import signal
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the trading cycle every scan_interval_minutes (re-read each cycle) without Celery. "
        "Ctrl-C stops after the current cycle."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycles", type=int, default=0, help="Stop after this many cycles (0: run until stopped).")

    def handle(self, *args, cycles: int, **options):
        from trader.cycle.run import cycle_run
        from trader.services.config import config_get

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True
            self.stdout.write("stopping after the current cycle")

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        done = 0
        while not stopping:
            log = cycle_run()
            done += 1
            self.stdout.write(f"cycle {log.pk} ({log.mode}): {log.outcome}, {len(log.actions)} action(s), "
                              f"{len(log.errors)} error(s)")
            if cycles and done >= cycles:
                break
            deadline = time.monotonic() + config_get().scan_interval_minutes * 60
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.5)
