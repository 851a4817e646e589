"""A loopback Binance USD-M futures server for tests and live-mode rehearsals (docs/EXCHANGES.md)."""

from coinex.sandbox_binance.server import BinanceSandbox, BinanceSandboxServer
from coinex.sandbox_binance.streams import BinanceStreamServer

__all__ = ["BinanceSandbox", "BinanceSandboxServer", "BinanceStreamServer"]
