"""``manage.py coinex_sandbox``: serve the loopback CoinEx v2 server to rehearse live mode.

Point the platform at it with ``COINEX_BASE_URL=http://127.0.0.1:PORT/v2`` and the same
key pair; no money is ever at risk. Interface only: the server is ``coinex.sandbox``.
"""

from __future__ import annotations

from decimal import Decimal

from coinex.management.sandbox_command import SandboxCommand
from coinex.sandbox import SandboxExchange, SandboxServer


class Command(SandboxCommand):
    help = "Run the loopback CoinEx API v2 futures sandbox (accepts exactly one API key pair)."
    default_port = 8899
    venue_label = "CoinEx"
    base_url_setting = "COINEX_BASE_URL"
    key_option, secret_option = "access-id", "secret-key"

    def server_build(self, *, key: str, secret: str, balance: Decimal, host: str, port: int) -> SandboxServer:
        exchange = SandboxExchange(access_id=key, secret_key=secret, starting_balance=balance)
        return SandboxServer(exchange=exchange, host=host, port=port)
