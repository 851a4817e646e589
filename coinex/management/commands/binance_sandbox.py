"""``manage.py binance_sandbox``: serve the loopback Binance USD-M server to rehearse live mode.

Point the platform at it with ``BINANCE_FUTURES_BASE_URL=http://127.0.0.1:PORT`` and the
same key pair; no money is ever at risk. Interface only: the server is ``coinex.sandbox_binance``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer
from config.logging import secret_register

DEFAULT_PORT = 8898


class Command(BaseCommand):
    help = "Run the loopback Binance USD-M futures server (accepts exactly one API key pair)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
        parser.add_argument("--api-key", required=True, help="the one API key the server accepts")
        parser.add_argument("--api-secret", required=True, help="the secret that goes with it")
        parser.add_argument("--balance", default="10000", help="starting USDT balance (default 10000)")

    def handle(self, *args: object, **options: object) -> None:
        secret_register(str(options["api_secret"]))
        try:
            balance = Decimal(str(options["balance"]))
        except InvalidOperation:
            raise CommandError(f"--balance {options['balance']!r} is not a number") from None
        if balance <= 0:
            raise CommandError("--balance must be positive")
        port = int(options["port"])  # type: ignore[arg-type]
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535")
        sandbox = BinanceSandbox(api_key=str(options["api_key"]), secret_key=str(options["api_secret"]),
                                 starting_balance=balance)
        try:
            server = BinanceSandboxServer(sandbox=sandbox, host=str(options["host"]), port=port)
        except OSError as error:
            raise CommandError(f"cannot listen on {options['host']}:{port}: {error}") from None
        if str(options["host"]) not in ("127.0.0.1", "localhost", "::1"):
            self.stderr.write("warning: the admin hooks (/_sandbox/...) need no signature; anyone who can reach "
                              f"{options['host']}:{port} can move prices and inject failures.")
        self.stdout.write(f"Binance USD-M sandbox on {server.base_url} with {balance:f} USDT. "
                          f"Set BINANCE_FUTURES_BASE_URL={server.base_url}; admin hooks under {server.admin_url}. "
                          "Ctrl-C stops it.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("sandbox stopped")
