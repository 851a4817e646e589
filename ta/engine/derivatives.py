"""Derivatives factors: open interest, CVD, long/short crowding and funding, judged for one trade direction.

Pure numpy/pandas (no Django). Input: one symbol's stored derivatives series of one period
(``DerivativesSeries``, from ``ta.derivatives_selectors.derivatives_frame``) and its candles'
closes. Each factor is a rule on the newest row **known** at the evaluated time ``at_ns``: a
row of period P starting at T is complete, hence usable, once ``T + P <= at_ns`` (so a backtest
step never reads a row that was still forming, and the live scan the same way).

Rules (docs/STRUCTURE.md "Derivatives factors"; ``LOOKBACK_ROWS`` rows = 12 periods back):

- ``OI`` (open interest rising with price): the open interest value (USDT) rose at least
  ``OI_RISE_PCT`` % over the lookback while the price moved at least ``PRICE_MOVE_PCT`` % in the
  trade's direction (up for long, down for short): new positions behind the move.
- ``CVD`` (divergence from price): long, the price fell at least ``PRICE_MOVE_PCT`` % over the
  lookback but the CVD rose (takers bought into the fall: absorption); short, the price rose
  that much but the CVD fell.
- ``LS`` (crowding, contrarian): long when the crowd is short (global long/short account ratio
  <= ``CROWDED_SHORT_RATIO``), short when it is long (>= ``CROWDED_LONG_RATIO``).
- ``FUND`` (extreme funding, contrarian): long when the funding rate <= -``FUNDING_EXTREME``
  (shorts pay), short when >= ``FUNDING_EXTREME`` (longs pay).

Absent data is never points: no row known at ``at_ns``, a newest known row more than
``STALE_PERIODS`` periods old, no row exactly ``LOOKBACK_ROWS`` periods before it (a gap), or a
missing value gives the factor 0 with a reason starting "no data". NaN comparisons are False,
so the vectorised rules (``derivatives_points``, used per step by the backtester) give the same
0 as the per-row ones (``derivatives_factors``, used by the live scans).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LONG = "long"
SHORT = "short"
PERIOD_NS = {"5m": 300 * 1_000_000_000, "1h": 3_600 * 1_000_000_000}
LOOKBACK_ROWS = 12
STALE_PERIODS = 3
OI_RISE_PCT = 2.0
PRICE_MOVE_PCT = 0.5
CROWDED_LONG_RATIO = 2.0
CROWDED_SHORT_RATIO = 0.8
FUNDING_EXTREME = 0.0005  # 0.05 % per funding interval (the usual 0.01 % five times over)
FACTOR_CODES = ("OI", "CVD", "LS", "FUND")
SERIES_COLUMNS = ("open_interest_value", "cvd", "global_long_short_ratio", "funding_rate")


@dataclass(frozen=True)
class DerivativesSeries:
    """One symbol's series of one period, oldest first; NaN where a row has no value."""

    period: str
    time_ns: np.ndarray
    open_interest_value: np.ndarray
    cvd: np.ndarray
    global_long_short_ratio: np.ndarray
    funding_rate: np.ndarray

    @property
    def period_ns(self) -> int:
        return PERIOD_NS[self.period]

    def __len__(self) -> int:
        return int(self.time_ns.size)


def derivatives_series_from_frame(frame: pd.DataFrame, *, period: str) -> DerivativesSeries:
    """``frame`` (aware-UTC index of row start times, float columns of ``SERIES_COLUMNS``; missing
    columns read as NaN) as a ``DerivativesSeries``. ValueError for an unknown period."""
    if period not in PERIOD_NS:
        raise ValueError(f"unknown derivatives period {period!r}; one of {', '.join(PERIOD_NS)}")
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_convert("UTC")
    times = np.ascontiguousarray(index.as_unit("ns").asi8, dtype=np.int64)

    def column(name: str) -> np.ndarray:
        if name not in frame:
            return np.full(times.size, np.nan)
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    return DerivativesSeries(period=period, time_ns=times, **{name: column(name) for name in SERIES_COLUMNS})


@dataclass(frozen=True)
class DerivativesMeasures:
    """Per row of a series: what the rules read (NaN = no data for that row).

    ``oi_change_pct`` and ``price_change_pct``: % change from the row exactly ``LOOKBACK_ROWS``
    periods earlier; ``cvd_change``: CVD difference (USDT) over the same span; ``ratio`` the global
    long/short account ratio; ``funding`` the funding rate.
    """

    time_ns: np.ndarray
    period_ns: int
    oi_change_pct: np.ndarray
    price_change_pct: np.ndarray
    cvd_change: np.ndarray
    ratio: np.ndarray
    funding: np.ndarray


def _price_at(times_ns: np.ndarray, candle_open_ns: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Close of the newest candle opened at or before each time (NaN before the first candle)."""
    index = np.searchsorted(candle_open_ns, times_ns, side="right") - 1
    out = np.full(times_ns.size, np.nan)
    known = index >= 0
    out[known] = close[index[known]]
    return out


def derivatives_measures(
    series: DerivativesSeries, *, candle_open_ns: np.ndarray, close: np.ndarray
) -> DerivativesMeasures:
    """The rules' inputs for every row of ``series``, prices from candles (open times ns, closes)."""
    times = series.time_ns
    span = LOOKBACK_ROWS * series.period_ns
    earlier = np.searchsorted(times, times - span, side="left")
    exact = (earlier < times.size) & (times[np.minimum(earlier, max(times.size - 1, 0))] == times - span)
    base = np.where(exact, earlier, 0)

    def change_pct(values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(exact & (values[base] > 0), (values - values[base]) / values[base] * 100.0, np.nan)
        return out.astype(float)

    if times.size == 0:
        empty = np.empty(0)
        return DerivativesMeasures(times, series.period_ns, empty, empty, empty, empty, empty)
    prices = _price_at(times, np.asarray(candle_open_ns, dtype=np.int64), np.asarray(close, dtype=float))
    return DerivativesMeasures(
        time_ns=times,
        period_ns=series.period_ns,
        oi_change_pct=change_pct(series.open_interest_value),
        price_change_pct=change_pct(prices),
        cvd_change=np.where(exact, series.cvd - series.cvd[base], np.nan),
        ratio=series.global_long_short_ratio.astype(float),
        funding=series.funding_rate.astype(float),
    )


def _rule_oi(m: DerivativesMeasures, long: bool) -> np.ndarray:
    price = m.price_change_pct if long else -m.price_change_pct
    with np.errstate(invalid="ignore"):
        return (m.oi_change_pct >= OI_RISE_PCT) & (price >= PRICE_MOVE_PCT)


def _rule_cvd(m: DerivativesMeasures, long: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if long:
            return (m.price_change_pct <= -PRICE_MOVE_PCT) & (m.cvd_change > 0)
        return (m.price_change_pct >= PRICE_MOVE_PCT) & (m.cvd_change < 0)


def _rule_ls(m: DerivativesMeasures, long: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return m.ratio <= CROWDED_SHORT_RATIO if long else m.ratio >= CROWDED_LONG_RATIO


def _rule_funding(m: DerivativesMeasures, long: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return m.funding <= -FUNDING_EXTREME if long else m.funding >= FUNDING_EXTREME


RULES = {"OI": _rule_oi, "CVD": _rule_cvd, "LS": _rule_ls, "FUND": _rule_funding}


def known_row_index(measures: DerivativesMeasures, *, at_ns: np.ndarray) -> np.ndarray:
    """Per evaluated time: the index of the newest row complete by then and not stale, else -1."""
    at = np.asarray(at_ns, dtype=np.int64)
    index = np.searchsorted(measures.time_ns + measures.period_ns, at, side="right") - 1
    if measures.time_ns.size == 0:
        return np.full(at.shape, -1)
    fresh = (index >= 0) & (
        at - (measures.time_ns[np.maximum(index, 0)] + measures.period_ns) <= STALE_PERIODS * measures.period_ns)
    return np.where(fresh, index, -1)


def derivatives_points(
    measures: DerivativesMeasures, *, at_ns: np.ndarray, points: int
) -> tuple[np.ndarray, np.ndarray]:
    """(long, short) derivatives points at each evaluated time ``at_ns`` (``points`` per factor that
    holds on the newest known row; 0 where no row is known, as ``derivatives_factors``)."""
    index = known_row_index(measures, at_ns=at_ns)
    known = index >= 0
    safe = np.maximum(index, 0)
    sides = []
    for long in (True, False):
        total = np.zeros(index.shape, dtype=np.int64)
        if measures.time_ns.size:
            for rule in RULES.values():
                total += points * (rule(measures, long)[safe] & known)
        sides.append(total)
    return sides[0], sides[1]


@dataclass(frozen=True)
class DerivativesFactor:
    """One factor's code, points awarded (0 or ``weight``), weight and reason."""

    code: str
    points: int
    weight: int
    detail: str


def _absent(code: str, weight: int, why: str) -> DerivativesFactor:
    return DerivativesFactor(code, 0, weight, f"no data: {why}")


def _factor(code: str, holds: bool, weight: int, detail: str) -> DerivativesFactor:
    return DerivativesFactor(code, weight if holds else 0, weight, detail)


def _row(measures: DerivativesMeasures, index: int) -> DerivativesMeasures:
    """Row ``index`` of ``measures`` as one-element arrays (the vectorised rules then judge it)."""
    part = slice(index, index + 1)
    return DerivativesMeasures(
        time_ns=measures.time_ns[part], period_ns=measures.period_ns, oi_change_pct=measures.oi_change_pct[part],
        price_change_pct=measures.price_change_pct[part], cvd_change=measures.cvd_change[part],
        ratio=measures.ratio[part], funding=measures.funding[part])


def derivatives_factors(
    measures: DerivativesMeasures | None, *, at_ns: int, direction: str, weight: int
) -> list[DerivativesFactor]:
    """The four factors (``FACTOR_CODES`` order) for a ``direction`` trade evaluated at ``at_ns``.

    ``measures`` None (no series given) or without a known, fresh row: every factor absent ("no data").
    """
    if measures is None or measures.time_ns.size == 0:
        return [_absent(code, weight, "no derivatives series") for code in FACTOR_CODES]
    index = int(known_row_index(measures, at_ns=np.array([at_ns]))[0])
    if index < 0:
        return [_absent(code, weight, "no recent derivatives row at this time") for code in FACTOR_CODES]
    long = direction == LONG
    row = _row(measures, index)
    oi, price, cvd = float(row.oi_change_pct[0]), float(row.price_change_pct[0]), float(row.cvd_change[0])
    ratio, funding = float(row.ratio[0]), float(row.funding[0])
    lookback = f"over {LOOKBACK_ROWS} periods"
    factors = []
    if np.isfinite(oi) and np.isfinite(price):
        factors.append(_factor("OI", bool(_rule_oi(row, long)[0]), weight,
                               f"open interest {oi:+.2f}% with price {price:+.2f}% {lookback}"))
    else:
        factors.append(_absent("OI", weight, f"open interest or price {lookback} unknown"))
    if np.isfinite(cvd) and np.isfinite(price):
        factors.append(_factor("CVD", bool(_rule_cvd(row, long)[0]), weight,
                               f"CVD {cvd:+,.0f} USDT with price {price:+.2f}% {lookback}"))
    else:
        factors.append(_absent("CVD", weight, f"CVD or price {lookback} unknown"))
    if np.isfinite(ratio):
        crowd = "crowded longs" if ratio >= CROWDED_LONG_RATIO else "crowded shorts" if (
            ratio <= CROWDED_SHORT_RATIO) else "not crowded"
        factors.append(_factor("LS", bool(_rule_ls(row, long)[0]), weight,
                               f"long/short ratio {ratio:.2f} ({crowd})"))
    else:
        factors.append(_absent("LS", weight, "long/short ratio unknown"))
    if np.isfinite(funding):
        factors.append(_factor("FUND", bool(_rule_funding(row, long)[0]), weight,
                               f"funding {funding * 100:+.4f}%"))
    else:
        factors.append(_absent("FUND", weight, "funding rate unknown"))
    return factors


@dataclass(frozen=True)
class DerivativesInput:
    """What an analysis needs for the derivatives factors: the series and the evaluated time (ns)."""

    series: DerivativesSeries
    at_ns: int
