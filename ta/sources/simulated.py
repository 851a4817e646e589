"""A deterministic synthetic market: every enabled symbol, offline, reproducible from a seed.

The log price of a coin is a fixed function of time (minutes since the Unix epoch):
a shared "market" factor plus the coin's own, each a sum of value-noise octaves from
2 minutes to 3 months whose amplitude grows with the square root of the scale (so the
path moves like a random walk from minutes to weeks and stays in the coin's real price
range over months). The short octaves are scaled by a slow volatility regime, which
gives volatility clusters and quiet stretches where Bollinger Bands squeeze inside the
Keltner Channels; trends, ranges and price/momentum divergences come from the long
octaves. Because price is a function of time and seed alone, any window can be
computed without history, every worker computes the same candles, and the market
advances with the wall clock: the candle containing ``now`` is returned as forming.

5m candles are sampled every minute (open = price at the open, close = price at the
close, high/low = extremes of the samples plus a small wick); 1h and 4h candles are
aggregates (first/max/min/last/sum) of the 5m candles, exactly. Each candle has a quote
volume (volume x typical price) and a taker-buy quote volume: a share of it leaning with
the candle's move (about 0.5 +- 0.15, buyers push a rising candle), so the CVD follows price
with noise and divergences.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from ta.sources.base import EPOCH, Bar, SourceConfigError, floor_time
from ta.timeframes import timeframe_duration

BASE_TIMEFRAME = "5m"
BASE_STEP = timedelta(minutes=5)
MINUTES_PER_BASE = 5
PAGE_LIMIT = 1000
OCTAVE_SCALES_MIN = tuple(2.0**k for k in range(1, 18))  # 2 min .. 131072 min (~91 days)
SIGMA_PER_SQRT_MIN = 0.0005  # log-price move per sqrt(minute) for a volatility multiple of 1 (BTC-like)
REGIME_SCALE_MIN = 2880.0  # volatility regime changes over ~2 days
REGIME_STRENGTH = 0.8  # volatility varies by exp(+-0.8): about 0.45x .. 2.2x
REGIME_MAX_SCALE_MIN = 480.0  # octaves up to 8 h feel the volatility regime
MEAN_REVERSION_SCALE_MIN = 10_080.0  # a week
MARKET_WEIGHT = 0.6
OWN_WEIGHT = 0.8
VOLUME_DECIMALS = 4
QUOTE_DECIMALS = 2  # quote volumes in cents
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class CoinProfile:
    """Where a coin trades: anchor price (USDT), volatility multiple of BTC's, 5m USDT volume."""

    anchor_price: float
    volatility: float
    volume_usdt_5m: float


# Real price ranges of the 29 scanner coins (late 2025 levels); others get a hashed profile.
COIN_PROFILES = {
    "BTCUSDT": CoinProfile(95_000, 1.0, 6_000_000),
    "ETHUSDT": CoinProfile(3_300, 1.3, 3_500_000),
    "SOLUSDT": CoinProfile(180, 1.7, 1_200_000),
    "XRPUSDT": CoinProfile(2.3, 1.7, 900_000),
    "BNBUSDT": CoinProfile(650, 1.1, 500_000),
    "DOGEUSDT": CoinProfile(0.32, 2.0, 700_000),
    "ADAUSDT": CoinProfile(0.9, 1.8, 300_000),
    "AVAXUSDT": CoinProfile(35, 2.0, 250_000),
    "LINKUSDT": CoinProfile(20, 1.9, 250_000),
    "DOTUSDT": CoinProfile(6.5, 1.8, 150_000),
    "LTCUSDT": CoinProfile(100, 1.6, 200_000),
    "BCHUSDT": CoinProfile(450, 1.6, 150_000),
    "TRXUSDT": CoinProfile(0.25, 1.1, 150_000),
    "NEARUSDT": CoinProfile(5.0, 2.1, 150_000),
    "APTUSDT": CoinProfile(8.5, 2.1, 120_000),
    "ARBUSDT": CoinProfile(0.75, 2.2, 120_000),
    "OPUSDT": CoinProfile(1.8, 2.2, 100_000),
    "SUIUSDT": CoinProfile(3.5, 2.4, 300_000),
    "ATOMUSDT": CoinProfile(6.5, 1.9, 100_000),
    "FILUSDT": CoinProfile(5.0, 2.0, 80_000),
    "INJUSDT": CoinProfile(22, 2.3, 80_000),
    "UNIUSDT": CoinProfile(12, 2.0, 100_000),
    "AAVEUSDT": CoinProfile(300, 2.0, 120_000),
    "ETCUSDT": CoinProfile(26, 1.8, 80_000),
    "XLMUSDT": CoinProfile(0.4, 1.8, 80_000),
    "HBARUSDT": CoinProfile(0.27, 2.1, 100_000),
    "PEPEUSDT": CoinProfile(0.000015, 2.8, 400_000),
    "WIFUSDT": CoinProfile(1.8, 3.0, 200_000),
    "SEIUSDT": CoinProfile(0.45, 2.5, 80_000),
}


def _key(*parts: object) -> int:
    """A stable 64-bit key from the parts (hashlib, not hash(): same in every process)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def coin_profile(symbol: str) -> CoinProfile:
    """The profile of ``symbol``; an unknown symbol gets a plausible one derived from its name."""
    known = COIN_PROFILES.get(symbol)
    if known:
        return known
    key = _key("profile", symbol)
    return CoinProfile(10.0 ** ((key % 700) / 100 - 3), 1.5 + (key >> 10) % 15 / 10, 50_000)


def _uniform(key: int, index: np.ndarray) -> np.ndarray:
    """Deterministic values in [-1, 1) for integer grid points (splitmix64 of key and index)."""
    with np.errstate(over="ignore"):
        x = index.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(key & _MASK64)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) * (2.0 / 2.0**53) - 1.0


def _value_noise(key: int, minutes: np.ndarray, scale_min: float) -> np.ndarray:
    """Smooth noise in [-1, 1] varying over ``scale_min`` minutes (smoothstep between grid values)."""
    grid = minutes / scale_min
    index = np.floor(grid)
    frac = grid - index
    smooth = frac * frac * (3.0 - 2.0 * frac)
    index = index.astype(np.int64)
    return _uniform(key, index) * (1.0 - smooth) + _uniform(key, index + 1) * smooth


def _regime(key: int, minutes: np.ndarray) -> np.ndarray:
    """Volatility multiplier over time: exp(+-REGIME_STRENGTH), two overlapping octaves."""
    slow = _value_noise(key, minutes, REGIME_SCALE_MIN)
    raw = 0.7 * slow + 0.3 * _value_noise(key + 1, minutes, REGIME_SCALE_MIN / 3)
    return np.exp(REGIME_STRENGTH * raw)


def _octave_amplitude(scale_min: float) -> float:
    """sqrt(scale) (a random walk) up to a week; slower growth beyond, so prices mean-revert over months."""
    if scale_min <= MEAN_REVERSION_SCALE_MIN:
        return math.sqrt(scale_min)
    return math.sqrt(MEAN_REVERSION_SCALE_MIN) * (scale_min / MEAN_REVERSION_SCALE_MIN) ** 0.25


def _factor(key: int, minutes: np.ndarray, regime: np.ndarray) -> np.ndarray:
    total = np.zeros_like(minutes)
    for octave, scale in enumerate(OCTAVE_SCALES_MIN):
        component = _octave_amplitude(scale) * _value_noise(key + octave * 7919, minutes, scale)
        total += component * regime if scale <= REGIME_MAX_SCALE_MIN else component
    return total


class SimulatedSource:
    """The simulated market (see the module docstring); ``seed`` selects one market."""

    name = "simulated"
    page_limit = PAGE_LIMIT

    def __init__(self, *, seed: int) -> None:
        self.seed = seed

    def market_now(self, *, wall_now: datetime) -> datetime:
        """Live sources: the market's present is the wall clock."""
        return wall_now

    def log_price(self, symbol: str, minutes: np.ndarray) -> np.ndarray:
        """Natural log of the price at ``minutes`` (float minutes since the Unix epoch)."""
        profile = coin_profile(symbol)
        market_key, own_key = _key(self.seed, "market"), _key(self.seed, symbol)
        market = _factor(market_key, minutes, _regime(market_key + 101, minutes))
        own_regime = _regime(own_key + 101, minutes)
        own = _factor(own_key, minutes, own_regime)
        sigma = SIGMA_PER_SQRT_MIN * profile.volatility
        return math.log(profile.anchor_price) + sigma * (MARKET_WEIGHT * market + OWN_WEIGHT * own)

    def bars_fetch(self, *, symbol: str, timeframe: str, start: datetime, end: datetime, now: datetime) -> list[Bar]:
        """Candles with ``start <= open_time <= min(end, now)``, at most ``page_limit`` (see ``CandleSource``)."""
        step = timeframe_duration(timeframe)
        if step % BASE_STEP:
            raise SourceConfigError(f"the simulated market has no {timeframe} candles (multiples of 5m only)")
        first = floor_time(start, step)
        if first < start:
            first += step
        last = min(floor_time(end, step), floor_time(now, step))
        if last < first:
            return []
        last = min(last, first + (self.page_limit - 1) * step)
        series = self._base_series(symbol, first, last + step - BASE_STEP, now)
        if series is None:
            return []
        if step != BASE_STEP:
            series = series.aggregated(step // BASE_STEP, first_open=first, step=step, now=now)
        return series.bars()

    def _base_series(self, symbol: str, first: datetime, last: datetime, now: datetime) -> _Series | None:
        """5m candles opening from ``first`` to ``min(last, now)``; the one containing ``now`` forming."""
        last = min(last, floor_time(now, BASE_STEP))
        if last < first:
            return None
        count = (last - first) // BASE_STEP + 1
        first_minute = (first - EPOCH) / timedelta(minutes=1)
        now_minute = (now - EPOCH) / timedelta(minutes=1)
        # Samples at each whole minute of every bar and at its close: shape (count, 6).
        offsets = np.arange(MINUTES_PER_BASE + 1, dtype=np.float64)
        minutes = first_minute + MINUTES_PER_BASE * np.arange(count, dtype=np.float64)[:, None] + offsets[None, :]
        forming = minutes[:, -1] > now_minute
        minutes = np.minimum(minutes, now_minute)  # the forming bar stops at now
        prices = np.exp(self.log_price(symbol, minutes.ravel())).reshape(minutes.shape)

        profile = coin_profile(symbol)
        bar_index = np.rint(minutes[:, 0] / MINUTES_PER_BASE).astype(np.int64)
        wick_key = _key(self.seed, symbol, "wick")
        wick = SIGMA_PER_SQRT_MIN * profile.volatility * 0.6
        high = prices.max(axis=1) * (1 + wick * np.abs(_uniform(wick_key, bar_index)))
        low = prices.min(axis=1) * (1 - wick * np.abs(_uniform(wick_key + 1, bar_index)))
        moves = np.abs(np.log(prices[:, -1] / prices[:, 0])) / (SIGMA_PER_SQRT_MIN * profile.volatility * 2.3)
        activity = _regime(_key(self.seed, symbol) + 101, minutes[:, 0]) * (0.6 + moves)
        noise = np.exp(0.35 * _uniform(_key(self.seed, symbol, "volume"), bar_index))
        elapsed = (minutes[:, -1] - minutes[:, 0]) / MINUTES_PER_BASE
        volume = profile.volume_usdt_5m * activity * noise * elapsed / prices[:, -1]

        typical = (high + low + prices[:, -1]) / 3
        quote = volume * typical
        lean = np.tanh(np.log(prices[:, -1] / prices[:, 0]) / (SIGMA_PER_SQRT_MIN * profile.volatility * 2.3))
        taker_share = np.clip(0.5 + 0.15 * lean + 0.05 * _uniform(_key(self.seed, symbol, "taker"), bar_index), 0, 1)
        quote_units = np.rint(quote * 10**QUOTE_DECIMALS).astype(np.int64)

        places = price_places(profile.anchor_price)
        # Rounded to the tick before any aggregation, so 1h/4h are exact aggregates of the 5m values.
        return _Series(
            open_times=[first + i * BASE_STEP for i in range(count)],
            open=np.round(prices[:, 0], places),
            high=np.round(high, places),
            low=np.round(low, places),
            close=np.round(prices[:, -1], places),
            volume_units=np.rint(volume * 10**VOLUME_DECIMALS).astype(np.int64),
            quote_units=quote_units,
            taker_units=np.rint(quote_units * taker_share).astype(np.int64),
            closed=~forming,
            places=places,
        )


@dataclass
class _Series:
    """Candles as arrays: prices already rounded to the tick, volume in 10^-VOLUME_DECIMALS units."""

    open_times: list[datetime]
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume_units: np.ndarray
    quote_units: np.ndarray  # 10^-QUOTE_DECIMALS USDT
    taker_units: np.ndarray  # taker buy quote volume, same unit
    closed: np.ndarray
    places: int

    def aggregated(self, per_bucket: int, *, first_open: datetime, step: timedelta, now: datetime) -> _Series:
        """Buckets of ``per_bucket`` candles from ``first_open`` on: first/max/min/last/sum."""
        starts = np.arange(0, len(self.open_times), per_bucket)
        ends = np.minimum(starts + per_bucket, len(self.open_times)) - 1
        open_times = [first_open + i * step for i in range(len(starts))]
        return _Series(
            open_times=open_times,
            open=self.open[starts],
            high=np.maximum.reduceat(self.high, starts),
            low=np.minimum.reduceat(self.low, starts),
            close=self.close[ends],
            volume_units=np.add.reduceat(self.volume_units, starts),
            quote_units=np.add.reduceat(self.quote_units, starts),
            taker_units=np.add.reduceat(self.taker_units, starts),
            closed=np.array([moment + step <= now for moment in open_times], dtype=bool),
            places=self.places,
        )

    def bars(self) -> list[Bar]:
        """The candles as ``Bar`` values with ``Decimal`` prices."""
        price = f"{{:.{self.places}f}}".format
        scale = Decimal(1).scaleb(-VOLUME_DECIMALS)
        quote_scale = Decimal(1).scaleb(-QUOTE_DECIMALS)
        return [
            Bar(
                self.open_times[i],
                Decimal(price(self.open[i])),
                Decimal(price(self.high[i])),
                Decimal(price(self.low[i])),
                Decimal(price(self.close[i])),
                Decimal(int(self.volume_units[i])) * scale,
                is_closed=bool(self.closed[i]),
                quote_volume=Decimal(int(self.quote_units[i])) * quote_scale,
                taker_buy_quote_volume=Decimal(int(self.taker_units[i])) * quote_scale,
            )
            for i in range(len(self.open_times))
        ]


def price_places(anchor_price: float) -> int:
    """Decimal places of the price tick: about 7 significant digits, at most 12."""
    return max(0, min(12, 6 - math.floor(math.log10(anchor_price))))
