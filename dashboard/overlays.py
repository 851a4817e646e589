"""Chart overlays of the symbol page, from the TA engine's own kernels (never a second formula):
EMA ribbon 8/13/21/34/55/89, Bollinger Bands (20, 2.0), Keltner Channels (20, 1.5), squeeze bars."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ta.engine.bollinger import bollinger
from ta.engine.ema import ribbon_emas
from ta.engine.keltner import keltner
from ta.engine.squeeze import squeeze_on

RIBBON_LENGTHS = (8, 13, 21, 34, 55, 89)


def _line(times: list[int], values: np.ndarray) -> list[dict[str, Any]]:
    """lightweight-charts line points, skipping the warm-up NaNs."""
    return [{"time": time, "value": float(value)} for time, value in zip(times, values, strict=True)
            if not math.isnan(value)]


def overlays_compute(frame: pd.DataFrame) -> dict[str, Any]:
    """``{"ribbon": {length: points}, "bollinger": {upper, lower}, "keltner": {upper, lower},
    "squeeze": [times where the squeeze is on]}``; empty parts for an empty frame."""
    if frame.empty:
        return {"ribbon": {}, "bollinger": {}, "keltner": {}, "squeeze": []}
    times = [int(moment.timestamp()) for moment in frame.index]
    high, low, close = (frame[column].to_numpy(dtype="float64") for column in ("high", "low", "close"))
    bands, channel = bollinger(close), keltner(high, low, close)
    on = squeeze_on(bollinger_bands=bands, keltner_channel=channel)
    return {
        "ribbon": {str(length): _line(times, values)
                   for length, values in zip(RIBBON_LENGTHS, ribbon_emas(close), strict=True)},
        "bollinger": {"upper": _line(times, bands.upper), "lower": _line(times, bands.lower)},
        "keltner": {"upper": _line(times, channel.upper), "lower": _line(times, channel.lower)},
        "squeeze": [time for time, flag in zip(times, on, strict=True) if bool(flag)],
    }
