"""The scanner's base score and TA bonus at every 5m step, from indicator series computed once.

The live scan (``ta.engine.analysis.symbol_analyse``) analyses a trailing window of
``TA_CANDLES_LIMIT`` candles per symbol and reads the values at the last bar. Computing
that window at each of ~70k steps would cost hours, so here each series is computed
once over the whole history and the score of step ``i`` is read from bar ``i``. The
scoring tiers are the engine's own tables (``ta.engine.scoring``); the test
``test_scanner_series`` proves these per-step scores equal the live scan's at sampled
steps. The only source of difference is the warm-up of the recursive indicators
(Wilder RSI, EMA), which a 500-candle window has long forgotten (below 1e-4 relative).

1h context: step ``i`` sees only the 1h candles that had closed when the 5m candle
``i`` closed (the files hold final values, so a forming 1h candle would look ahead).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from ta.engine import kernels
from ta.engine.candles import candles_from_frame
from ta.engine.divergence import LOOKBACK_CANDLES, MIN_K_DIFFERENCE, PIVOT_LEFT_BARS, PIVOT_RIGHT_BARS
from ta.engine.indicators import IndicatorSeries, indicators_compute
from ta.engine.scoring import (
    BB_LONG_TIERS,
    BB_SHORT_TIERS,
    CHANGE_LONG_TIERS,
    CHANGE_SHORT_TIERS,
    RSI_LONG_TIERS,
    RSI_SHORT_TIERS,
    VOLUME_TIERS,
    VWAP_LONG_TIERS,
    VWAP_SHORT_TIERS,
)
from ta.engine.ta_bonus import DIVERGENCE_POINTS, RIBBON_POINTS, SQUEEZE_POINTS

NS_PER_HOUR = 3_600 * 1_000_000_000
CHANGE_WINDOW_NS = 24 * NS_PER_HOUR
VOLUME_RECENT_BARS = 12
VOLUME_BASELINE_BARS = 96
# Steps before this many 5m candles (and 100 closed 1h candles) are not scored: the
# live scan would need them too (MIN_CANDLES) and the 24h change needs a day of 5m bars.
WARMUP_5M_CANDLES = 300
WARMUP_1H_CANDLES = 100


@dataclass(frozen=True)
class ScannerSeries:
    """Per-step scores aligned with the 5m candles; ``valid`` False where the live scan would not score."""

    long_score: np.ndarray
    short_score: np.ndarray
    long_bonus: np.ndarray
    short_bonus: np.ndarray
    valid: np.ndarray


def _tiers_low(values: np.ndarray, tiers: tuple) -> np.ndarray:
    """Points of the first tier with ``value <= threshold`` (tiers best first), else 0; NaN scores 0."""
    with np.errstate(invalid="ignore"):
        return np.select([values <= tier[0] for tier in tiers], [tier[1] for tier in tiers], 0).astype(np.int64)


def _tiers_high(values: np.ndarray, tiers: tuple) -> np.ndarray:
    """Points of the first tier with ``value >= threshold`` (tiers best first), else 0; NaN scores 0."""
    with np.errstate(invalid="ignore"):
        return np.select([values >= tier[0] for tier in tiers], [tier[1] for tier in tiers], 0).astype(np.int64)


def _change_24h_pct(five: IndicatorSeries) -> np.ndarray:
    """% change from the newest 5m close opened at least 24 h before each bar (NaN when none)."""
    times, close = five.candles.open_time_ns, five.candles.close
    reference = np.searchsorted(times, times - CHANGE_WINDOW_NS, side="right") - 1
    out = np.full(close.size, np.nan)
    known = reference >= 0
    base = close[reference[known]]
    out[known] = (close[known] - base) / base * 100.0
    return out


def _volume_ratio(volume: np.ndarray) -> np.ndarray:
    """Mean volume of the last 12 bars over the mean of the 96 before them (NaN when unknown)."""
    total = VOLUME_RECENT_BARS + VOLUME_BASELINE_BARS
    out = np.full(volume.size, np.nan)
    if volume.size < total:
        return out
    cumulative = np.concatenate(([0.0], np.cumsum(volume)))
    end = np.arange(total, volume.size + 1)
    recent_mean = (cumulative[end] - cumulative[end - VOLUME_RECENT_BARS]) / VOLUME_RECENT_BARS
    baseline_mean = (cumulative[end - VOLUME_RECENT_BARS] - cumulative[end - total]) / VOLUME_BASELINE_BARS
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(baseline_mean > 0, recent_mean / baseline_mean, np.nan)
    out[total - 1:] = ratio
    return out


def base_scores(five: IndicatorSeries) -> tuple[np.ndarray, np.ndarray]:
    """(long, short) scanner scores per bar, per ``ta.engine.scoring.scanner_score``."""
    close = five.candles.close
    deviation = (close - five.vwap) / five.vwap * 100.0
    change = _change_24h_pct(five)
    long_score = (_tiers_low(five.rsi_14, RSI_LONG_TIERS) + _tiers_low(deviation, VWAP_LONG_TIERS)
                  + _tiers_low(five.bb_position, BB_LONG_TIERS) + _tiers_low(change, CHANGE_LONG_TIERS))
    short_score = (_tiers_high(five.rsi_14, RSI_SHORT_TIERS) + _tiers_high(deviation, VWAP_SHORT_TIERS)
                   + _tiers_high(five.bb_position, BB_SHORT_TIERS) + _tiers_high(change, CHANGE_SHORT_TIERS))
    volume_points = _tiers_high(_volume_ratio(five.candles.volume), VOLUME_TIERS)
    return (np.where(long_score > 0, long_score + volume_points, long_score),
            np.where(short_score > 0, short_score + volume_points, short_score))


def _ribbon_states(emas: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(bullish, bearish) per bar: EMA8 > 13 > ... > 89 strictly, or strictly reversed (NaN: neither)."""
    with np.errstate(invalid="ignore"):
        bullish = np.logical_and.reduce([fast > slow for fast, slow in pairwise(emas)])
        bearish = np.logical_and.reduce([fast < slow for fast, slow in pairwise(emas)])
    return bullish, bearish


def _divergence(
    *, price: np.ndarray, stoch_k: np.ndarray, find_highs: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(found, strength, newer pivot) per bar for one kind of regular divergence (see ta.engine.divergence)."""
    size = price.size
    pivots = kernels.pivot_indices(price, PIVOT_LEFT_BARS, PIVOT_RIGHT_BARS, 0, find_highs)
    steps = np.arange(size)
    count = np.searchsorted(pivots, steps - PIVOT_RIGHT_BARS, side="right")
    has_two = count >= 2
    newer = np.where(has_two, pivots[np.maximum(count - 1, 0)] if pivots.size else 0, 0)
    older = np.where(has_two, pivots[np.maximum(count - 2, 0)] if pivots.size else 0, 0)
    first = np.maximum(0, steps + 1 - LOOKBACK_CANDLES)
    in_window = has_two & (older >= first)
    k_new, k_old = stoch_k[newer], stoch_k[older]
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(k_new) & np.isfinite(k_old)
        if find_highs:
            found = in_window & finite & (price[newer] > price[older]) & (k_old - k_new >= MIN_K_DIFFERENCE)
            strength = k_old - k_new
        else:
            found = in_window & finite & (price[newer] < price[older]) & (k_new - k_old >= MIN_K_DIFFERENCE)
            strength = k_new - k_old
    return found, np.where(found, strength, 0.0), newer


def divergence_sides(five: IndicatorSeries) -> tuple[np.ndarray, np.ndarray]:
    """(bullish, bearish) per bar as ``divergence_latest`` resolves them (more recent, then stronger)."""
    k = five.stochrsi_k
    bull, bull_strength, bull_pivot = _divergence(price=five.candles.low, stoch_k=k, find_highs=False)
    bear, bear_strength, bear_pivot = _divergence(price=five.candles.high, stoch_k=k, find_highs=True)
    both = bull & bear
    bull_wins = (bull_pivot > bear_pivot) | ((bull_pivot == bear_pivot) & (bull_strength > bear_strength))
    bear_wins = (bear_pivot > bull_pivot) | ((bull_pivot == bear_pivot) & (bear_strength > bull_strength))
    return np.where(both, bull_wins, bull), np.where(both, bear_wins, bear)


def scanner_series(*, five_minute: pd.DataFrame, one_hour: pd.DataFrame) -> ScannerSeries:
    """Scores of every 5m step of ``five_minute`` (engine frames, see ta.engine.candles) with ``one_hour`` context."""
    five = indicators_compute(candles_from_frame(five_minute))
    hour = indicators_compute(candles_from_frame(one_hour))
    long_score, short_score = base_scores(five)

    # The 1h candle closed by the end of each 5m bar: open + 1 h <= 5m open + 5 min.
    five_close_ns = five.candles.open_time_ns + 5 * 60 * 1_000_000_000
    hour_index = np.searchsorted(hour.candles.open_time_ns + NS_PER_HOUR, five_close_ns, side="right") - 1
    hour_ok = hour_index >= WARMUP_1H_CANDLES - 1
    safe_hour = np.maximum(hour_index, 0)
    bull_5m, bear_5m = _ribbon_states(five.emas)
    bull_1h, bear_1h = _ribbon_states(hour.emas)
    ribbon_long = bull_5m & bull_1h[safe_hour]
    ribbon_short = bear_5m & bear_1h[safe_hour]

    on = five.squeeze_on
    fired = np.zeros(on.size, dtype=bool)
    fired[1:] = on[:-1] & ~on[1:]
    momentum = five.squeeze_momentum
    with np.errstate(invalid="ignore"):
        squeeze_long = fired & (momentum >= 0)
        squeeze_short = fired & (momentum < 0)
    divergence_long, divergence_short = divergence_sides(five)

    long_bonus = RIBBON_POINTS * ribbon_long + SQUEEZE_POINTS * squeeze_long + DIVERGENCE_POINTS * divergence_long
    short_bonus = (RIBBON_POINTS * ribbon_short + SQUEEZE_POINTS * squeeze_short
                   + DIVERGENCE_POINTS * divergence_short)
    steps = np.arange(on.size)
    emas_ready = np.isfinite(five.emas[-1]) & np.isfinite(five.atr_14) & np.isfinite(momentum)
    valid = (steps >= WARMUP_5M_CANDLES - 1) & hour_ok & emas_ready & np.isfinite(five.rsi_14)
    return ScannerSeries(long_score=long_score.astype(np.int64), short_score=short_score.astype(np.int64),
                         long_bonus=long_bonus.astype(np.int64), short_bonus=short_bonus.astype(np.int64),
                         valid=valid)
