"""One symbol/timeframe's structure: every engine in order, never raising for bad candles.

candles -> swings -> S/R levels -> Fibonacci setup of the last swing pair -> order
blocks -> confluence -> signal. Bad input (fewer than ``MIN_STRUCTURE_CANDLES``, NaN,
non-positive or flat prices, unordered times) gives ``status="insufficient_data"`` and a
reason, like the TA scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ta.engine.atr import atr as atr_series
from ta.engine.candles import candles_from_frame, candles_problem
from ta.engine.derivatives import DerivativesInput, derivatives_factors, derivatives_measures
from ta.engine.rsi import rsi as rsi_series
from ta.engine.structure.confluence import WEIGHT_DERIVATIVES, confluence_score
from ta.engine.structure.fibonacci import DEFAULT_FIB_CONFIG, FibConfig, FibSetup, fib_setup
from ta.engine.structure.levels import (
    DEFAULT_MIN_TOUCHES,
    DEFAULT_TOLERANCE_ATR,
    Level,
    level_nearest_resistance,
    level_nearest_support,
    level_tolerance,
    levels_detect,
)
from ta.engine.structure.order_blocks import OrderBlock, order_blocks_detect
from ta.engine.structure.signals import StructureSignal, signal_build
from ta.engine.structure.swings import DEFAULT_STRENGTH, SwingPoint, swings_detect

STATUS_OK = "ok"
STATUS_INSUFFICIENT = "insufficient_data"
# ATR 14 and RSI 14 need 15 bars; two swings of strength 5 need at least 12 more.
MIN_STRUCTURE_CANDLES = 50


@dataclass(frozen=True)
class StructureAnalysis:
    """Everything the structure engines found on one series; ``signal`` None without a setup."""

    status: str
    reason: str = ""
    close: float = float("nan")
    candle_time_ns: int = 0
    atr: float = float("nan")
    tolerance: float = float("nan")
    swings: list[SwingPoint] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)
    setup: FibSetup | None = None
    blocks: list[OrderBlock] = field(default_factory=list)
    signal: StructureSignal | None = None

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK


def structure_analyse(
    frame: pd.DataFrame,
    *,
    strength: int = DEFAULT_STRENGTH,
    fib_config: FibConfig = DEFAULT_FIB_CONFIG,
    tolerance_atr: float = DEFAULT_TOLERANCE_ATR,
    tolerance_pct: float | None = None,
    min_touches: int = DEFAULT_MIN_TOUCHES,
    derivatives: DerivativesInput | None = None,
) -> StructureAnalysis:
    """Run every structure engine on ``frame`` (open, high, low, close, volume; aware-UTC index).

    ``derivatives``: the symbol's derivatives series and the evaluated time for the confluence's
    OI/CVD/LS/FUND factors (None: those factors are absent, "no data").

    Needs ``MIN_STRUCTURE_CANDLES`` (50) clean candles; ~500 recommended so levels have
    history. Returns ``insufficient_data`` with a reason instead of raising.
    """
    try:
        candles = candles_from_frame(frame)
    except (ValueError, TypeError) as error:
        return StructureAnalysis(status=STATUS_INSUFFICIENT, reason=str(error))
    problem = candles_problem(candles, minimum=max(MIN_STRUCTURE_CANDLES, 2 * strength + 2))
    if problem is not None:
        return StructureAnalysis(status=STATUS_INSUFFICIENT, reason=problem)
    high, low, close = candles.high, candles.low, candles.close
    atr_values = atr_series(high, low, close)
    latest_close, latest_atr = float(close[-1]), float(atr_values[-1])
    swings = swings_detect(high=high, low=low, open_time_ns=candles.open_time_ns, strength=strength)
    tolerance = level_tolerance(close=latest_close, atr=latest_atr, tolerance_atr=tolerance_atr,
                                tolerance_pct=tolerance_pct)
    levels = levels_detect(swings=swings, close=latest_close, atr=latest_atr, tolerance_atr=tolerance_atr,
                           tolerance_pct=tolerance_pct, min_touches=min_touches)
    blocks = order_blocks_detect(open_=candles.open, high=high, low=low, close=close, atr=atr_values,
                                 open_time_ns=candles.open_time_ns)
    setup = fib_setup(swings=swings, close=latest_close, config=fib_config)
    signal = None
    if setup is not None:
        derivative_factors = None
        if derivatives is not None:
            measures = derivatives_measures(derivatives.series, candle_open_ns=candles.open_time_ns, close=close)
            derivative_factors = derivatives_factors(measures, at_ns=derivatives.at_ns, direction=setup.direction,
                                                     weight=WEIGHT_DERIVATIVES)
        confluence = confluence_score(setup=setup, levels=levels, blocks=blocks, swings=swings,
                                      rsi=float(rsi_series(close)[-1]), tolerance=tolerance,
                                      derivatives=derivative_factors)
        signal = signal_build(
            setup=setup,
            price=latest_close,
            confluence=confluence,
            support=level_nearest_support(levels, price=latest_close),
            resistance=level_nearest_resistance(levels, price=latest_close),
        )
    return StructureAnalysis(
        status=STATUS_OK,
        close=latest_close,
        candle_time_ns=int(candles.open_time_ns[-1]),
        atr=latest_atr if np.isfinite(latest_atr) else float("nan"),
        tolerance=tolerance,
        swings=swings,
        levels=levels,
        setup=setup,
        blocks=blocks,
        signal=signal,
    )
