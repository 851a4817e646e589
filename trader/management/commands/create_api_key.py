"""``manage.py create_api_key NAME [--read-only]``: create an API key and print it once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from trader.api.keys import api_key_create
from trader.services.actor import Actor


class Command(BaseCommand):
    help = "Create a named API key (full scope, or read-only) and print it once: it cannot be read back."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="Who or what uses the key (shown in the audit log).")
        parser.add_argument("--read-only", action="store_true", help="Reads only: every write answers 403.")

    def handle(self, *args, name: str, read_only: bool, **options) -> None:
        try:
            issued = api_key_create(name=name, read_only=read_only, actor=Actor.for_command(name="create_api_key"))
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(f"Created API key {issued.api_key.name!r} ({issued.api_key.get_scope_display()}). "
                          "Store it now: it is shown only once.")
        self.stdout.write(issued.plain_key)
