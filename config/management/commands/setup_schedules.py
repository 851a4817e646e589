"""Create or update every periodic task of the platform (idempotent)."""

from django.core.management.base import BaseCommand

from config.schedules import schedules_apply


class Command(BaseCommand):
    help = "Create or update every periodic task (shown and editable in the admin). Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Also restore the default interval and enabled flag of tasks edited in the admin.",
        )

    def handle(self, *args, reset: bool, **options):
        outcomes = schedules_apply(reset=reset)
        for outcome in outcomes:
            self.stdout.write(f"{outcome.action:<9} {outcome.name}")
        counts = {action: sum(o.action == action for o in outcomes) for action in ("created", "updated", "unchanged")}
        self.stdout.write(self.style.SUCCESS(
            f"{len(outcomes)} schedule(s): {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged"
        ))
