"""Test stand-ins for what cannot be reached from here (the Telegram Bot API)."""
