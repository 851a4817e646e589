"""The CoinEx API v2 futures client (live trading)."""

from coinex.client.client import CoinExClient
from coinex.client.transport import ApiCredentials, CoinExTransport

__all__ = ["ApiCredentials", "CoinExClient", "CoinExTransport"]
