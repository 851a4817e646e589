"""The live payload: what every page renders on first load and what the socket sends on
(re)connect and after each pushed event.

Keys follow seed platform-v3 "WebSocket payload additions" exactly (``coinData``,
``positions``, ``signalHistory``, ``taSignals``, ``errors``), plus the trader's status
and config, the market regime of each coin (1h, from the structure engine), the account
overview and the header's connection/freshness facts.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from config.bus.client import json_default
from dashboard.selectors import (
    account_overview,
    coin_data,
    errors_recent,
    exchange_connection,
    feed_freshness,
    positions_open,
    regimes_by_symbol,
    ta_signals,
)
from dashboard.services.signal_history import signal_history_payload
from trader.selectors import status_as_dict
from trader.services.books import book_current
from trader.services.config import config_as_dict, config_get
from trader.services.status import status_get


def live_payload() -> dict[str, Any]:
    """Everything the scanner and trader pages show, as plain JSON types (Decimals as strings)."""
    status, config = status_get(), config_get()
    book = book_current(status=status, config=config)
    payload = {
        "generatedAt": timezone.now().isoformat(),
        "coinData": coin_data(),
        "positions": positions_open(book=book),
        "signalHistory": signal_history_payload(),
        "taSignals": ta_signals(),
        "regimes": regimes_by_symbol(),
        "errors": errors_recent(),
        "trader": {"status": status_as_dict(status, config=config), "config": config_as_dict(config)},
        "account": account_overview(book=book, config=config),
        "header": {"exchange": exchange_connection(mode=status.mode, venue=config.venue), "freshness": feed_freshness(),
                   "mode": status.mode},
    }
    return json.loads(json.dumps(payload, default=json_default))
