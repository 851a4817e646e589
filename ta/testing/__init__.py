"""Test doubles for what cannot be reached from here: a loopback Binance klines server."""
