"""The platform's own scanner as a strategy: the base score of ta/engine/scoring.py on 5m candles.

Inputs are measured exactly as the scan does (ta/engine/analysis.py): RSI 14, daily
VWAP deviation, Bollinger position, the 24 h change and the volume ratio (last hour
over the 8 hours before), from the 5m candles given. Long when the long score >=
``long_threshold`` (45) and above the short score; short when the short score >=
``short_threshold`` (50) and above the long score (the trader config's defaults).
Strength = score / 80 x 100. The TA bonus (which needs 1h candles) is not included:
the trader adds it from the stored scan when ``use_ta_signals`` is on.

Stop: the trader's rule, ``sl_pct`` (3.0) percent of margin at ``leverage`` (5x), i.e.
entry x (1 -/+ sl_pct / leverage / 100); ``stop_atr_multiple`` is unused here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ta.engine.bollinger import bb_position, bollinger
from ta.engine.candles import Candles
from ta.engine.rsi import rsi
from ta.engine.scoring import MAX_SCORE, ScanInputs, scanner_score
from ta.engine.strategies.base import LONG, SHORT, SIDES, Strategy, StrategySignal
from ta.engine.vwap import vwap, vwap_deviation_pct

NS_PER_HOUR = 3_600 * 1_000_000_000
VOLUME_RECENT_BARS = 12
VOLUME_BASELINE_BARS = 96


def _change_24h_pct(candles: Candles) -> float | None:
    target = int(candles.open_time_ns[-1]) - 24 * NS_PER_HOUR
    index = int(np.searchsorted(candles.open_time_ns, target, side="right")) - 1
    if index < 0:
        return None
    reference = float(candles.close[index])
    return (float(candles.close[-1]) - reference) / reference * 100.0


def _volume_ratio(volume: np.ndarray) -> float | None:
    if volume.size < VOLUME_RECENT_BARS + VOLUME_BASELINE_BARS:
        return None
    baseline = float(volume[-(VOLUME_RECENT_BARS + VOLUME_BASELINE_BARS) : -VOLUME_RECENT_BARS].mean())
    return None if baseline <= 0 else float(volume[-VOLUME_RECENT_BARS:].mean()) / baseline


@dataclass
class ScannerStrategy(Strategy):
    """The scanner's base score (0-80 per side) with the trader's entry thresholds."""

    name: ClassVar[str] = "scanner"
    min_candles: ClassVar[int] = 30
    long_threshold: float = 45.0
    short_threshold: float = 50.0
    sl_pct: float = 3.0
    leverage: int = 5
    stop_atr_multiple: float = 0.0

    @property
    def parameters(self) -> dict[str, Any]:
        return {"long_threshold": self.long_threshold, "short_threshold": self.short_threshold,
                "sl_pct": self.sl_pct, "leverage": self.leverage}

    def get_stop_loss(self, entry_price: float, side: str, *, data: object = None) -> float:
        """entry x (1 -/+ sl_pct / leverage / 100): the trader's margin stop; ``data`` is not needed."""
        if side not in SIDES:
            raise ValueError(f"side must be long or short, got {side!r}")
        return self._stop(entry_price, side, 0.0)

    def _stop(self, entry_price: float, side: str, atr_value: float) -> float:
        fraction = self.sl_pct / self.leverage / 100.0
        return entry_price * (1.0 - fraction) if side == LONG else entry_price * (1.0 + fraction)

    def _signal(self, candles: Candles) -> StrategySignal | None:
        close = candles.close
        latest = float(close[-1])
        vwap_value = float(vwap(candles.high, candles.low, close, candles.volume, candles.open_time_ns)[-1])
        inputs = ScanInputs(
            rsi=float(rsi(close)[-1]),
            vwap_deviation_pct=vwap_deviation_pct(close=latest, vwap_value=vwap_value),
            bb_position=float(bb_position(close=close, bands=bollinger(close))[-1]),
            change_24h_pct=_change_24h_pct(candles),
            volume_ratio=_volume_ratio(candles.volume),
        )
        score = scanner_score(inputs=inputs)
        if score.long_score >= self.long_threshold and score.long_score > score.short_score:
            side, points, reasons = LONG, score.long_score, score.long_reasons
        elif score.short_score >= self.short_threshold and score.short_score > score.long_score:
            side, points, reasons = SHORT, score.short_score, score.short_reasons
        else:
            return None
        return self._make(candles, side, points / MAX_SCORE * 100.0, "; ".join(reasons), 0.0)
