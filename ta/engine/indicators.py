"""Every indicator series of one timeframe, computed once and shared by the scores and outputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ta.engine.atr import Directional, adx, atr
from ta.engine.bollinger import Bands, bb_position, bb_width, bollinger
from ta.engine.candles import Candles, candles_from_frame
from ta.engine.ema import RIBBON_LENGTHS, ribbon_emas
from ta.engine.keltner import keltner
from ta.engine.rsi import rsi
from ta.engine.squeeze import squeeze_momentum, squeeze_on
from ta.engine.stochrsi import stoch_rsi
from ta.engine.vwap import vwap

# Bars needed before the latest bar has every value defined: the EMA89 (from index 88)
# plus room for the squeeze-fired check and a 50-candle divergence window on Stoch RSI.
MIN_CANDLES = 100


@dataclass(frozen=True)
class IndicatorSeries:
    """All series of one timeframe, aligned with its candles (NaN during each warm-up)."""

    candles: Candles
    emas: list[np.ndarray]
    rsi_14: np.ndarray
    stochrsi_k: np.ndarray
    stochrsi_d: np.ndarray
    bollinger: Bands
    keltner: Bands
    bb_position: np.ndarray
    bb_width: np.ndarray
    squeeze_on: np.ndarray
    squeeze_momentum: np.ndarray
    atr_14: np.ndarray
    directional: Directional
    vwap: np.ndarray


def indicators_compute(candles: Candles) -> IndicatorSeries:
    """Compute every series for ``candles`` (already checked with ``candles_problem``)."""
    high, low, close = candles.high, candles.low, candles.close
    bands = bollinger(close)
    channel = keltner(high, low, close)
    k, d = stoch_rsi(close)
    return IndicatorSeries(
        candles=candles,
        emas=ribbon_emas(close),
        rsi_14=rsi(close),
        stochrsi_k=k,
        stochrsi_d=d,
        bollinger=bands,
        keltner=channel,
        bb_position=bb_position(close=close, bands=bands),
        bb_width=bb_width(bands),
        squeeze_on=squeeze_on(bollinger_bands=bands, keltner_channel=channel),
        squeeze_momentum=squeeze_momentum(high, low, close),
        atr_14=atr(high, low, close),
        directional=adx(high, low, close),
        vwap=vwap(high, low, close, candles.volume, candles.open_time_ns),
    )


def indicators_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every series of ``frame``'s candles as columns, indexed like ``frame``, for inspection.

    Columns: ema_8 ... ema_89, rsi_14, stochrsi_k, stochrsi_d, bb_upper, bb_mid,
    bb_lower, kc_upper, kc_mid, kc_lower, squeeze_on (bool), squeeze_momentum, atr_14,
    adx_14, plus_di_14, minus_di_14, vwap. Warm-up values are NaN (empty in a CSV).
    """
    series = indicators_compute(candles_from_frame(frame))
    columns: dict[str, np.ndarray] = {
        f"ema_{length}": values for length, values in zip(RIBBON_LENGTHS, series.emas, strict=True)
    }
    columns.update(
        rsi_14=series.rsi_14,
        stochrsi_k=series.stochrsi_k,
        stochrsi_d=series.stochrsi_d,
        bb_upper=series.bollinger.upper,
        bb_mid=series.bollinger.mid,
        bb_lower=series.bollinger.lower,
        kc_upper=series.keltner.upper,
        kc_mid=series.keltner.mid,
        kc_lower=series.keltner.lower,
        squeeze_on=series.squeeze_on,
        squeeze_momentum=series.squeeze_momentum,
        atr_14=series.atr_14,
        adx_14=series.directional.adx,
        plus_di_14=series.directional.plus_di,
        minus_di_14=series.directional.minus_di,
        vwap=series.vwap,
    )
    return pd.DataFrame(columns, index=frame.index)
