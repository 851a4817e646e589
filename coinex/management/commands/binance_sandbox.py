"""``manage.py binance_sandbox``: serve the loopback Binance USD-M server to rehearse live mode.

Point the platform at it with ``BINANCE_FUTURES_BASE_URL=http://127.0.0.1:PORT`` and the
same key pair; no money is ever at risk. Interface only: the server is ``coinex.sandbox_binance``.
"""

from __future__ import annotations

from decimal import Decimal

from coinex.management.sandbox_command import SandboxCommand
from coinex.sandbox_binance import BinanceSandbox, BinanceSandboxServer


class Command(SandboxCommand):
    help = "Run the loopback Binance USD-M futures server (accepts exactly one API key pair)."
    default_port = 8898
    venue_label = "Binance USD-M"
    base_url_setting = "BINANCE_FUTURES_BASE_URL"
    key_option, secret_option = "api-key", "api-secret"

    def server_build(self, *, key: str, secret: str, balance: Decimal, host: str, port: int) -> BinanceSandboxServer:
        sandbox = BinanceSandbox(api_key=key, secret_key=secret, starting_balance=balance)
        return BinanceSandboxServer(sandbox=sandbox, host=host, port=port)
