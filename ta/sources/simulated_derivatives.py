"""Plausible derivatives series for the simulated market: offline, deterministic, from the same seed.

Each value is a function of time, the seed and the coin (like the simulated prices), so every
worker computes the same rows for any window:

- open interest (USDT) grows with the coin's typical volume and leans on the trend (a day's
  log-price change: new positions follow a move), with slow noise; contracts = value / price;
- the long/short ratios mean-revert around ~1 (value noise over hours) with crowding episodes
  (a slow octave past a threshold pushes a ratio towards 2 or 0.5 for a day or two); the top
  traders' position ratio leans against the crowd;
- the funding rate settles every 8 h around 0.01 %, higher in an uptrend and lower (negative)
  in a downtrend, within Binance's usual +-0.1 %.

Taker volumes (and so the CVD) come from the simulated candles' taker-buy fields.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from ta.sources.base import EPOCH, floor_time
from ta.sources.derivatives import PERIOD_STEPS, DerivativesKind, DerivativesRow
from ta.sources.simulated import SimulatedSource, _key, _value_noise, coin_profile

PAGE_LIMIT = 1000
FUNDING_EVERY = timedelta(hours=8)
TREND_MIN = 1440.0  # the trend is the log-price change over a day
OI_VOLUME_MULTIPLE = 600.0  # open interest ~ 600 x the 5m USDT volume (about two days of turnover)
BASE_FUNDING = 0.0001


class SimulatedDerivativesSource:
    """Derivatives series of ``SimulatedSource(seed)`` (see the module docstring)."""

    name = "simulated"
    kinds = (
        DerivativesKind.OPEN_INTEREST,
        DerivativesKind.GLOBAL_RATIO,
        DerivativesKind.TOP_ACCOUNT_RATIO,
        DerivativesKind.TOP_POSITION_RATIO,
        DerivativesKind.FUNDING,
    )
    history = None

    def __init__(self, *, seed: int) -> None:
        self.seed = seed
        self.prices = SimulatedSource(seed=seed)

    def market_now(self, *, wall_now: datetime) -> datetime:
        return wall_now

    def kind_page_limit(self, kind: DerivativesKind) -> int:
        return PAGE_LIMIT

    def points_fetch(
        self, *, kind: DerivativesKind, symbol: str, period: str, start: datetime, end: datetime
    ) -> list[DerivativesRow]:
        """Rows of ``kind`` at each ``period`` step (funding: every 8 h) in [start, end] (see ``DerivativesSource``)."""
        step = FUNDING_EVERY if kind is DerivativesKind.FUNDING else PERIOD_STEPS[period]
        first = floor_time(start, step)
        if first < start:
            first += step
        if end < first:
            return []
        count = min((end - first) // step + 1, PAGE_LIMIT)
        times = [first + i * step for i in range(count)]
        minutes = np.array([(moment - EPOCH) / timedelta(minutes=1) for moment in times])
        columns = self._columns(kind, symbol, minutes)
        return [
            DerivativesRow(moment, {name: values[i] for name, values in columns.items()})
            for i, moment in enumerate(times)
        ]

    def _trend(self, symbol: str, minutes: np.ndarray) -> np.ndarray:
        return self.prices.log_price(symbol, minutes) - self.prices.log_price(symbol, minutes - TREND_MIN)

    def _columns(self, kind: DerivativesKind, symbol: str, minutes: np.ndarray) -> dict[str, list[Decimal]]:
        key = _key(self.seed, symbol, "derivatives", kind.value)
        if kind is DerivativesKind.FUNDING:
            lean = np.tanh(self._trend(symbol, minutes) * 20)
            rate = BASE_FUNDING + 0.0003 * lean + 0.00005 * _value_noise(key, minutes, 1440.0)
            return {"funding_rate": [Decimal(f"{value:.8f}") for value in np.clip(rate, -0.001, 0.001)]}
        if kind is DerivativesKind.OPEN_INTEREST:
            price = np.exp(self.prices.log_price(symbol, minutes))
            level = np.exp(0.25 * _value_noise(key, minutes, 10_080.0) + 0.1 * _value_noise(key + 1, minutes, 720.0))
            value = coin_profile(symbol).volume_usdt_5m * OI_VOLUME_MULTIPLE * level * np.exp(
                2.0 * self._trend(symbol, minutes))
            return {
                "open_interest": [Decimal(f"{v:.4f}") for v in value / price],
                "open_interest_value": [Decimal(f"{v:.2f}") for v in value],
            }
        column = {
            DerivativesKind.GLOBAL_RATIO: "global_long_short_ratio",
            DerivativesKind.TOP_ACCOUNT_RATIO: "top_long_short_account_ratio",
            DerivativesKind.TOP_POSITION_RATIO: "top_long_short_position_ratio",
        }[kind]
        crowd_key = _key(self.seed, symbol, "crowding")  # one crowd per coin: the ratios agree in an episode
        slow = _value_noise(crowd_key, minutes, 2880.0)
        episode = np.sign(slow) * np.clip(np.abs(slow) - 0.55, 0, None) * 3.0  # 0 most of the time, up to ~1.35
        if kind is DerivativesKind.TOP_POSITION_RATIO:
            episode = -0.5 * episode  # the top traders lean against the crowd
        wobble = 0.15 * _value_noise(key, minutes, 240.0) + 0.08 * _value_noise(key + 1, minutes, 30.0)
        log_ratio = wobble + 0.5 * episode
        return {column: [Decimal(f"{v:.4f}") for v in np.exp(log_ratio)]}
