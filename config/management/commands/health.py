"""Print the health report (the same as GET /health); exit 1 when a critical part is down."""

import json
import secrets
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the platform's health as JSON; exit code 1 when a critical part is down."

    def add_arguments(self, parser):
        parser.add_argument(
            "--part",
            choices=("database", "redis", "celery_worker", "beat"),
            help="Probe only this part (for container health checks).",
        )
        parser.add_argument(
            "--roundtrip",
            action="store_true",
            help="Also send a task through the broker to a worker and wait for its answer.",
        )

    def handle(self, *args, roundtrip: bool, part: str | None, **options):
        from config.health import UP, health_part, health_report

        if part:
            status = health_part(part)
            self.stdout.write(json.dumps({part: status.as_dict()}))
            if status.status != UP:
                sys.exit(1)
            return
        report = health_report()
        if roundtrip:
            report["task_roundtrip"] = self._roundtrip()
            if report["task_roundtrip"]["status"] != "up":
                report["healthy"] = False
        self.stdout.write(json.dumps(report, indent=2))
        if not report["healthy"]:
            sys.exit(1)

    @staticmethod
    def _roundtrip() -> dict:
        from config.tasks import platform_ping

        token = secrets.token_hex(8)
        try:
            answer = platform_ping.delay(token).get(timeout=10)
        except Exception as error:  # noqa: BLE001 - reported, not raised
            return {"status": "down", "detail": f"{type(error).__name__}: {error}"}
        ok = answer.get("token") == token
        return {"status": "up" if ok else "down", "detail": answer}
