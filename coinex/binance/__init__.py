"""The Binance USD-M futures adapter (a second live venue, docs/EXCHANGES.md)."""

from coinex.binance.client import BinanceUsdmClient
from coinex.binance.transport import DEFAULT_BASE_URL, TESTNET_BASE_URL, BinanceTransport

__all__ = ["DEFAULT_BASE_URL", "TESTNET_BASE_URL", "BinanceTransport", "BinanceUsdmClient"]
