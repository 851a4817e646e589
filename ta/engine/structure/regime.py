"""Market regime of one series (tradefinder's classifier): trend by ADX/DI, volatility by ATR %
against its own history, compression by Bollinger width.

Rules, first match wins (docs/STRUCTURE.md, "Regime"), all at the latest bar:

1. ADX 14 > 25 and +DI > -DI -> ``trending_up``; ADX > 25 and -DI > +DI -> ``trending_down``.
2. ATR % (ATR 14 / close x 100) at or above the 80th percentile of its own last 100
   bars -> ``high_volatility`` (volatility expanding without a trend).
3. ADX < 20, or Bollinger width (20, 2) at or below the 20th percentile of its own
   last 100 bars (compression: a breakout pending) -> ``ranging``.
4. Anything else (ADX 20-25 with ordinary volatility, or an exact DI tie) -> ``uncertain``.

Percentile = the share of the last ``history`` values (the latest included) that are
<= the latest value, x 100. ``compressed`` reports the BB-width condition on its own.
Too few or bad candles give ``status="insufficient_data"`` and the regime ``uncertain``
(the safe state: the seed's mapping reduces exposure).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ta.engine.atr import adx, atr
from ta.engine.bollinger import bb_width, bollinger
from ta.engine.candles import candles_from_frame, candles_problem

TRENDING_UP = "trending_up"
TRENDING_DOWN = "trending_down"
RANGING = "ranging"
HIGH_VOLATILITY = "high_volatility"
UNCERTAIN = "uncertain"
REGIMES = (TRENDING_UP, TRENDING_DOWN, RANGING, HIGH_VOLATILITY, UNCERTAIN)
ADX_TRENDING = 25.0
ADX_RANGING = 20.0
ATR_HIGH_PERCENTILE = 80.0
BB_COMPRESSED_PERCENTILE = 20.0
HISTORY_BARS = 100
# ADX 14 is defined from index 27; the history needs 100 defined values after that.
MIN_REGIME_CANDLES = 27 + HISTORY_BARS
STATUS_OK = "ok"
STATUS_INSUFFICIENT = "insufficient_data"


@dataclass(frozen=True)
class RegimeResult:
    """The regime and the values it was decided from (NaN when insufficient)."""

    regime: str
    status: str
    reason: str
    adx: float
    plus_di: float
    minus_di: float
    atr_pct: float
    atr_pct_percentile: float
    bb_width: float
    bb_width_percentile: float
    compressed: bool
    candle_time_ns: int


def percentile_of_latest(values: np.ndarray, history: int) -> float:
    """Share (x 100) of the last ``history`` finite values that are <= the latest; NaN without data."""
    window = values[-history:]
    window = window[np.isfinite(window)]
    if window.size == 0 or not np.isfinite(values[-1]):
        return float("nan")
    return float(np.count_nonzero(window <= values[-1]) / window.size * 100.0)


def regime_decide(
    *, adx_value: float, plus_di: float, minus_di: float, atr_percentile: float, bb_percentile: float
) -> str:
    """The regime from the latest values (the rules of the module docstring)."""
    if adx_value > ADX_TRENDING and plus_di != minus_di:
        return TRENDING_UP if plus_di > minus_di else TRENDING_DOWN
    if atr_percentile >= ATR_HIGH_PERCENTILE:
        return HIGH_VOLATILITY
    if adx_value < ADX_RANGING or bb_percentile <= BB_COMPRESSED_PERCENTILE:
        return RANGING
    return UNCERTAIN


def _insufficient(reason: str) -> RegimeResult:
    nan = float("nan")
    return RegimeResult(regime=UNCERTAIN, status=STATUS_INSUFFICIENT, reason=reason, adx=nan, plus_di=nan,
                        minus_di=nan, atr_pct=nan, atr_pct_percentile=nan, bb_width=nan, bb_width_percentile=nan,
                        compressed=False, candle_time_ns=0)


def regime_classify(frame: pd.DataFrame, *, history: int = HISTORY_BARS) -> RegimeResult:
    """Classify ``frame``'s candles (open, high, low, close, volume; aware-UTC index).

    Needs ``27 + history`` (127 by default) clean candles; otherwise ``insufficient_data``
    with the reason and the regime ``uncertain``. Never raises for bad candles.
    """
    try:
        candles = candles_from_frame(frame)
    except (ValueError, TypeError) as error:
        return _insufficient(str(error))
    problem = candles_problem(candles, minimum=27 + history)
    if problem is not None:
        return _insufficient(problem)
    high, low, close = candles.high, candles.low, candles.close
    directional = adx(high, low, close)
    atr_pct = atr(high, low, close) / close * 100.0
    width = bb_width(bollinger(close))
    atr_percentile = percentile_of_latest(atr_pct, history)
    bb_percentile = percentile_of_latest(width, history)
    adx_value = float(directional.adx[-1])
    plus_di, minus_di = float(directional.plus_di[-1]), float(directional.minus_di[-1])
    if not all(np.isfinite(value) for value in (adx_value, plus_di, minus_di, atr_percentile, bb_percentile)):
        return _insufficient("indicators not finite on these candles")
    return RegimeResult(
        regime=regime_decide(adx_value=adx_value, plus_di=plus_di, minus_di=minus_di,
                             atr_percentile=atr_percentile, bb_percentile=bb_percentile),
        status=STATUS_OK,
        reason="",
        adx=adx_value,
        plus_di=plus_di,
        minus_di=minus_di,
        atr_pct=float(atr_pct[-1]),
        atr_pct_percentile=atr_percentile,
        bb_width=float(width[-1]),
        bb_width_percentile=bb_percentile,
        compressed=bb_percentile <= BB_COMPRESSED_PERCENTILE,
        candle_time_ns=int(candles.open_time_ns[-1]),
    )
