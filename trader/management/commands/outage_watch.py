"""Watch Redis and the database; alert once when one goes down and once when it is back."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from trader.services.outage import OutageWatch


class Command(BaseCommand):
    help = ("Probe Redis and the database every OUTAGE_WATCH_INTERVAL_S seconds and send a Telegram alert "
            "when either goes down and when it is back (directly, not through the Celery queue).")
    requires_system_checks = []  # must start (and keep running) with the database down

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=settings.OUTAGE_WATCH_INTERVAL_S,
                            help="Seconds between probes.")

    def handle(self, *args, interval: float, **options):
        self.stdout.write(f"watching Redis and the database every {interval:g} s")
        tick_file = Path(settings.VAR_DIR) / "outage-watch.tick"  # read by the container's healthcheck
        tick_file.parent.mkdir(parents=True, exist_ok=True)
        OutageWatch.default().run(interval_s=interval, after_step=tick_file.touch)
