"""The per-symbol TA result in the seed's Output Schema (platform-v3), field for field.

Types: ``ema_ribbon.values`` six floats (EMA 8 ... 89 on 5m, price units);
``spread_*`` floats 0-100; ``ttm_squeeze.momentum`` float (price units);
``bars_in_squeeze``, ``candles_ago``, ``long_bonus``, ``short_bonus`` ints; ``strength``,
``stoch_k``, ``stoch_d`` floats; ``timestamp`` the open time of the latest 5m candle,
ISO 8601 UTC with a ``Z``. No NaN or infinity ever appears (``json_finite`` checks).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ta.engine.divergence import Divergence
from ta.engine.ema import RibbonState
from ta.engine.squeeze import SqueezeState
from ta.engine.ta_bonus import TaBonus

SQUEEZE_TIMEFRAME = "5m"


def timestamp_iso(open_time_ns: int) -> str:
    """``2026-03-01T12:00:00Z`` for an epoch time in nanoseconds."""
    moment = datetime.fromtimestamp(open_time_ns / 1e9, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ta_result_build(
    *,
    symbol: str,
    open_time_ns: int,
    ribbon_5m: RibbonState,
    ribbon_1h: RibbonState,
    squeeze: SqueezeState,
    divergence: Divergence,
    stoch_k: float,
    stoch_d: float,
    bonus: TaBonus,
) -> dict[str, Any]:
    """The seed-schema dict for one symbol (JSON-ready)."""
    return {
        "symbol": symbol,
        "timestamp": timestamp_iso(open_time_ns),
        "ema_ribbon": {
            "state_5m": ribbon_5m.state,
            "state_1h": ribbon_1h.state,
            "spread_5m": round(ribbon_5m.spread, 2),
            "spread_1h": round(ribbon_1h.spread, 2),
            "values": [float(value) for value in ribbon_5m.values],
        },
        "ttm_squeeze": {
            "squeeze": squeeze.squeeze,
            "momentum": squeeze.momentum,
            "direction": squeeze.direction,
            "bars_in_squeeze": squeeze.bars_in_squeeze,
            "timeframe": SQUEEZE_TIMEFRAME,
        },
        "stoch_rsi_divergence": {
            "divergence": divergence.divergence,
            "strength": round(divergence.strength, 2),
            "candles_ago": divergence.candles_ago,
            "stoch_k": round(stoch_k, 2),
            "stoch_d": round(stoch_d, 2),
        },
        "composite_score_adjustment": {
            "long_bonus": bonus.long_bonus,
            "short_bonus": bonus.short_bonus,
            "reasoning": list(bonus.reasoning),
        },
    }


def json_finite(value: Any) -> bool:
    """True when no float anywhere in ``value`` (dicts, lists) is NaN or infinite."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True
