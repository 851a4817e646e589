"""Prepare and run the whole platform locally: web (ASGI), Celery worker, beat and the outage watcher."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from config import runner


class Command(BaseCommand):
    help = (
        "Migrate, collect static files, create the schedules and an admin user, then run the "
        "ASGI server, a Celery worker, beat and the outage watcher together. Ctrl-C stops them all."
    )
    requires_system_checks = "__all__"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="Address to serve on.")
        parser.add_argument("--port", type=int, default=settings.PORT, help="Port to serve on (default: PORT).")
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes.")
        parser.add_argument(
            "--web-workers", type=int, default=settings.WEB_CONCURRENCY,
            help="Web (uvicorn) processes serving requests in parallel (default: WEB_CONCURRENCY, "
                 "else the number of CPUs up to 4).",
        )
        parser.add_argument("--no-serve", action="store_true", help="Prepare everything, then exit.")
        parser.add_argument(
            "--paused",
            action="store_true",
            help="Leave a fresh install paused instead of starting the trader in dry-run (paper trading).",
        )

    def handle(self, *args, host: str, port: int, concurrency: int, web_workers: int, no_serve: bool, paused: bool,
               **options):
        if web_workers < 1:
            raise CommandError("--web-workers must be at least 1")
        try:
            self.stdout.write(runner.redis_ensure(url=settings.REDIS_URL, var_dir=runner.var_dir()))
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("static files collected")
        call_command("setup_schedules", stdout=self.stdout)
        admin = runner.admin_ensure(
            username=os.environ.get("ADMIN_USERNAME", "admin"),
            email=os.environ.get("ADMIN_EMAIL", "admin@localhost"),
        )
        if not paused:
            self.stdout.write(runner.trader_demo_mode())
        banner = runner.platform_banner(host=host, port=port, admin=admin)
        if no_serve:
            self.stdout.write(banner)
            return
        processes = runner.platform_processes(host=host, port=port, concurrency=concurrency,
                                              web_workers=web_workers)
        exit_code = runner.processes_supervise(processes, on_started=lambda: self.stdout.write(banner))
        if exit_code:
            raise CommandError("a platform process stopped unexpectedly (see its output above)")
        self.stdout.write("platform stopped")
