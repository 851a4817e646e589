"""Reads of the settings page: each venue's credentials (masked), Telegram, market data source, currency rates."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from coinex.credentials import credentials_summary
from coinex.venue import VENUE_NAMES, Venue
from trader.fx.convert import quotes_offered
from trader.services.alerts import alerts_configured


def settings_overview() -> dict[str, Any]:
    """What the operator may see of the platform's settings; never a secret."""
    chat_id = settings.TELEGRAM_CHAT_ID
    return {
        "venues": [{"venue": venue.value, "name": VENUE_NAMES[venue], "credentials": credentials_summary(venue=venue)}
                   for venue in Venue],
        "telegram": {"configured": alerts_configured(), "chat_id": chat_id,
                     "token_set": bool(settings.TELEGRAM_BOT_TOKEN), "api_url": settings.TELEGRAM_API_URL},
        "market_data": {"source": settings.MARKET_DATA_SOURCE, "source_url": _market_data_url(),
                        "replay_speed": settings.MARKET_DATA_REPLAY_SPEED},
        "fx": {"provider": settings.FX_PROVIDER, "url": settings.FX_ECB_URL if settings.FX_PROVIDER == "ecb" else "",
               "quotes": [quote for quote in quotes_offered() if quote.currency != "USDT"]},
    }


def _market_data_url() -> str:
    """The host the configured market-data source reads ("" for the simulated market and the replay)."""
    source = settings.MARKET_DATA_SOURCE
    if source == "binance_usdm":
        return settings.BINANCE_FUTURES_BASE_URL
    return settings.BINANCE_BASE_URL if source == "binance" else ""
