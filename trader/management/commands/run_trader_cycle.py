"""Run one trading cycle now, in this process (no Celery needed)."""

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run one trading cycle now and print what it did (paused: returns at once, no exchange call)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the cycle record as JSON.")

    def handle(self, *args, json: bool = False, **options):
        from trader.cycle.run import cycle_run

        log = cycle_run()
        record = {"cycle_id": log.pk, "mode": log.mode, "outcome": log.outcome, "duration_ms": log.duration_ms,
                  "symbols_scanned": log.symbols_scanned, "candidates": log.candidates,
                  "actions": log.actions, "errors": log.errors}
        if json:
            self.stdout.write(_json_dumps(record))
            return
        self.stdout.write(f"cycle {log.pk} ({log.mode}): {log.outcome} in {log.duration_ms} ms, "
                          f"{log.symbols_scanned} scanned, {log.candidates} candidate(s)")
        for action in log.actions:
            self.stdout.write(f"  action: {action}")
        for error in log.errors:
            self.stderr.write(f"  error: {error}")


def _json_dumps(record: dict) -> str:
    return json.dumps(record, indent=2, default=str)
