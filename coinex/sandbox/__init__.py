"""A loopback CoinEx API v2 futures server for tests and live-mode rehearsals.

It speaks the documented request and response shapes, verifies signatures and the time
window, enforces market rules and per-group rate limits, keeps one-way positions with
flip behaviour, fills at prices set through an admin endpoint, and can be told to fail.
See docs/COINEX.md for the admin endpoints.
"""

from coinex.sandbox.server import SandboxServer
from coinex.sandbox.state import SandboxExchange
from coinex.sandbox.streams import CoinExStreamServer

__all__ = ["CoinExStreamServer", "SandboxExchange", "SandboxServer"]
