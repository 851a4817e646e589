"""What ``coinex_sandbox`` and ``binance_sandbox`` share: parse the key pair, balance, host and
port, start one loopback venue server, say how to point the platform at it, serve until Ctrl-C."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coinex.client.transport import LOOPBACK_HOSTS
from config.logging import secret_register


class SandboxCommand(BaseCommand):
    """A loopback venue server as a command. Subclasses name the venue and build the server."""

    default_port: int
    venue_label: str  # "CoinEx", "Binance USD-M"
    base_url_setting: str  # the setting the platform reads the venue's URL from
    key_option: str  # "access-id", "api-key"
    secret_option: str  # "secret-key", "api-secret"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=self.default_port, help=f"port (default {self.default_port})")
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
        parser.add_argument(f"--{self.key_option}", required=True, help="the one key the server accepts")
        parser.add_argument(f"--{self.secret_option}", required=True, help="the secret that goes with it")
        parser.add_argument("--balance", default="10000", help="starting USDT balance (default 10000)")

    def server_build(self, *, key: str, secret: str, balance: Decimal, host: str, port: int) -> Any:
        """The venue's server (``base_url``, ``admin_url``, ``serve_forever``); OSError when it cannot listen."""
        raise NotImplementedError

    def handle(self, *args: object, **options: object) -> None:
        key = str(options[self.key_option.replace("-", "_")])
        secret = str(options[self.secret_option.replace("-", "_")])
        secret_register(secret)
        try:
            balance = Decimal(str(options["balance"]))
        except InvalidOperation:
            raise CommandError(f"--balance {options['balance']!r} is not a number") from None
        if balance <= 0:
            raise CommandError("--balance must be positive")
        port, host = int(options["port"]), str(options["host"])  # type: ignore[arg-type]
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535")
        try:
            server = self.server_build(key=key, secret=secret, balance=balance, host=host, port=port)
        except OSError as error:
            raise CommandError(f"cannot listen on {host}:{port}: {error}") from None
        if host not in LOOPBACK_HOSTS:
            self.stderr.write("warning: the admin hooks (/_sandbox/...) need no signature; anyone who can reach "
                              f"{host}:{port} can move prices and inject failures.")
        self.stdout.write(f"{self.venue_label} sandbox on {server.base_url} with {balance:f} USDT. "
                          f"Set {self.base_url_setting}={server.base_url}; admin hooks under {server.admin_url}. "
                          "Ctrl-C stops it.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("sandbox stopped")
