"""One symbol's full analysis: candles of 5m/1h(/4h) in, seed TA result and scanner entry out.

This is the engine's entry point for the scan loop. It never raises for bad data:
candles that cannot be analysed (too few, NaN rows, no volume, flat prices) give an
``insufficient_data`` result with a reason instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ta.engine.candles import Candles, candles_from_frame, candles_problem
from ta.engine.derivatives import DerivativesInput, derivatives_factors, derivatives_measures
from ta.engine.divergence import divergence_latest
from ta.engine.ema import ribbon_latest
from ta.engine.indicators import MIN_CANDLES, IndicatorSeries, indicators_compute
from ta.engine.output import json_finite, ta_result_build, timestamp_iso
from ta.engine.scoring import DERIVATIVES_POINTS, LONG, SHORT, ScanInputs, leverage_suggest, scanner_score
from ta.engine.squeeze import squeeze_latest
from ta.engine.ta_bonus import ta_bonus
from ta.engine.vwap import vwap_deviation_pct

STATUS_OK = "ok"
STATUS_INSUFFICIENT = "insufficient_data"
REQUIRED_TIMEFRAMES = ("5m", "1h")
OPTIONAL_TIMEFRAMES = ("4h",)
NS_PER_HOUR = 3_600 * 1_000_000_000
CHANGE_WINDOW_NS = 24 * NS_PER_HOUR
VOLUME_RECENT_BARS = 12  # one hour of 5m candles
VOLUME_BASELINE_BARS = 96  # the eight hours before it


@dataclass(frozen=True)
class SymbolAnalysis:
    """``status`` ok|insufficient_data; ``ta_result`` the seed-schema dict (None unless ok);
    ``scan`` the scanner entry (always present, with ``status`` and ``reason``)."""

    symbol: str
    status: str
    reason: str
    ta_result: dict[str, Any] | None
    scan: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK


def insufficient(symbol: str, reason: str) -> SymbolAnalysis:
    """The result for candles that cannot be analysed."""
    scan = {"symbol": symbol, "status": STATUS_INSUFFICIENT, "reason": reason}
    return SymbolAnalysis(symbol=symbol, status=STATUS_INSUFFICIENT, reason=reason, ta_result=None, scan=scan)


def _change_24h_pct(latest_close: float, latest_ns: int, candles: list[Candles]) -> float | None:
    """% change from the close of the newest candle opened at least 24 h before the latest one."""
    target = latest_ns - CHANGE_WINDOW_NS
    for frame in candles:
        index = int(np.searchsorted(frame.open_time_ns, target, side="right")) - 1
        if index >= 0:
            reference = float(frame.close[index])
            return (latest_close - reference) / reference * 100.0
    return None


def _volume_ratio(volume: np.ndarray) -> float | None:
    if volume.size < VOLUME_RECENT_BARS + VOLUME_BASELINE_BARS:
        return None
    baseline = float(volume[-(VOLUME_RECENT_BARS + VOLUME_BASELINE_BARS) : -VOLUME_RECENT_BARS].mean())
    if baseline <= 0:
        return None
    return float(volume[-VOLUME_RECENT_BARS:].mean()) / baseline


def _last(series: np.ndarray) -> float:
    return float(series[-1])


def _scan_entry(
    *,
    symbol: str,
    five: IndicatorSeries,
    one_hour: Candles,
    ribbon_4h_state: str | None,
    bonus_long: int,
    bonus_short: int,
    squeeze_fired: bool,
    leverage_rules: Mapping[str, int],
    max_leverage: int,
    derivatives: DerivativesInput | None = None,
) -> dict[str, Any]:
    candles = five.candles
    close = _last(candles.close)
    latest_ns = int(candles.open_time_ns[-1])
    vwap_value = _last(five.vwap)
    inputs = ScanInputs(
        rsi=_last(five.rsi_14),
        vwap_deviation_pct=vwap_deviation_pct(close=close, vwap_value=vwap_value),
        bb_position=_last(five.bb_position),
        change_24h_pct=_change_24h_pct(close, latest_ns, [candles, one_hour]),
        volume_ratio=_volume_ratio(candles.volume),
    )
    factors = None
    if derivatives is not None:
        measures = derivatives_measures(derivatives.series, candle_open_ns=candles.open_time_ns, close=candles.close)
        factors = {side: derivatives_factors(measures, at_ns=derivatives.at_ns, direction=side,
                                             weight=DERIVATIVES_POINTS) for side in (LONG, SHORT)}
    score = scanner_score(inputs=inputs, derivatives=factors)
    side_score = {"long": score.long_score, "short": score.short_score}.get(score.direction, 0)
    return {
        "symbol": symbol,
        "status": STATUS_OK,
        "reason": "",
        "timestamp": timestamp_iso(latest_ns),
        "price": close,
        "rsi": round(inputs.rsi, 2),
        "vwap": vwap_value,
        "vwap_deviation_pct": round(inputs.vwap_deviation_pct, 3),
        "bb_position": round(inputs.bb_position, 3),
        "bb_width": round(_last(five.bb_width), 5),
        "change_24h_pct": None if inputs.change_24h_pct is None else round(inputs.change_24h_pct, 2),
        "volume_ratio": None if inputs.volume_ratio is None else round(inputs.volume_ratio, 2),
        "atr": _last(five.atr_14),
        "adx": round(_last(five.directional.adx), 2),
        "plus_di": round(_last(five.directional.plus_di), 2),
        "minus_di": round(_last(five.directional.minus_di), 2),
        "long_score": score.long_score,
        "short_score": score.short_score,
        "long_reasons": score.long_reasons,
        "short_reasons": score.short_reasons,
        "direction": score.direction,
        "suggested_leverage": leverage_suggest(score=side_score, rules=leverage_rules, max_leverage=max_leverage),
        "ta_long_bonus": bonus_long,
        "ta_short_bonus": bonus_short,
        "long_total": score.long_score + bonus_long,
        "short_total": score.short_score + bonus_short,
        "squeeze_fired": squeeze_fired,
        "ribbon_4h": ribbon_4h_state,
    }


def symbol_analyse(
    *,
    symbol: str,
    frames: Mapping[str, pd.DataFrame],
    leverage_rules: Mapping[str, int],
    max_leverage: int,
    derivatives: DerivativesInput | None = None,
) -> SymbolAnalysis:
    """Analyse ``symbol`` from its candle frames keyed by timeframe (``5m`` and ``1h`` required,
    ``4h`` optional; at least ``MIN_CANDLES`` (100) each; ~500 recommended).

    ``leverage_rules``/``max_leverage`` are the trader config's (``{"60+": 7, "default": 5}``, 10).
    Returns ``insufficient_data`` (with the reason) instead of raising on bad candles.
    ``derivatives`` (None by default: the seed's score) adds the derivatives factors to the base score.
    """
    candles: dict[str, Candles] = {}
    for timeframe in REQUIRED_TIMEFRAMES + OPTIONAL_TIMEFRAMES:
        frame = frames.get(timeframe)
        if frame is None:
            if timeframe in REQUIRED_TIMEFRAMES:
                return insufficient(symbol, f"no {timeframe} candles")
            continue
        try:
            converted = candles_from_frame(frame)
        except (ValueError, TypeError) as error:
            return insufficient(symbol, f"{timeframe}: {error}")
        problem = candles_problem(converted, minimum=MIN_CANDLES)
        if problem is not None:
            if timeframe in REQUIRED_TIMEFRAMES:
                return insufficient(symbol, f"{timeframe}: {problem}")
            continue
        candles[timeframe] = converted

    five = indicators_compute(candles["5m"])
    one_hour = indicators_compute(candles["1h"])
    ribbon_5m = ribbon_latest(emas=five.emas, atr=five.atr_14)
    ribbon_1h = ribbon_latest(emas=one_hour.emas, atr=one_hour.atr_14)
    squeeze = squeeze_latest(on=five.squeeze_on, momentum=five.squeeze_momentum)
    if ribbon_5m is None or ribbon_1h is None or squeeze is None:
        return insufficient(symbol, "indicators still warming up")
    ribbon_4h_state = None
    if "4h" in candles:
        four_hour = indicators_compute(candles["4h"])
        ribbon_4h = ribbon_latest(emas=four_hour.emas, atr=four_hour.atr_14)
        ribbon_4h_state = ribbon_4h.state if ribbon_4h else None
    divergence = divergence_latest(high=five.candles.high, low=five.candles.low, stoch_k=five.stochrsi_k)
    bonus = ta_bonus(ribbon_5m=ribbon_5m, ribbon_1h=ribbon_1h, squeeze=squeeze, divergence=divergence)
    ta_result = ta_result_build(
        symbol=symbol,
        open_time_ns=int(five.candles.open_time_ns[-1]),
        ribbon_5m=ribbon_5m,
        ribbon_1h=ribbon_1h,
        squeeze=squeeze,
        divergence=divergence,
        stoch_k=_last(five.stochrsi_k),
        stoch_d=_last(five.stochrsi_d),
        bonus=bonus,
    )
    scan = _scan_entry(
        symbol=symbol,
        five=five,
        one_hour=candles["1h"],
        ribbon_4h_state=ribbon_4h_state,
        bonus_long=bonus.long_bonus,
        bonus_short=bonus.short_bonus,
        squeeze_fired=squeeze.fired,
        leverage_rules=leverage_rules,
        max_leverage=max_leverage,
        derivatives=derivatives,
    )
    if not (json_finite(ta_result) and json_finite(scan)):
        return insufficient(symbol, "indicators not finite on these candles")
    return SymbolAnalysis(symbol=symbol, status=STATUS_OK, reason="", ta_result=ta_result, scan=scan)
