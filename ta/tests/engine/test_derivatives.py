"""The derivatives factors' rules (docs/STRUCTURE.md "Derivatives factors"): each direction, each
threshold's side, and absent data as "no data" with no points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ta.engine.derivatives import (
    LOOKBACK_ROWS,
    PERIOD_NS,
    DerivativesInput,
    derivatives_factors,
    derivatives_measures,
    derivatives_points,
    derivatives_series_from_frame,
)

HOUR_NS = PERIOD_NS["1h"]
START = pd.Timestamp("2024-06-01", tz="UTC")
ROWS = LOOKBACK_ROWS + 1


def series(*, oi=(1000.0, 1000.0), cvd=(0.0, 0.0), ratio=1.2, funding=0.0001, rows=ROWS, drop=()):
    """1h rows: OI and CVD move linearly from their first to their last value."""
    index = pd.date_range(START, periods=rows, freq="1h")
    frame = pd.DataFrame({
        "open_interest_value": np.linspace(*oi, rows), "cvd": np.linspace(*cvd, rows),
        "global_long_short_ratio": ratio, "funding_rate": funding}, index=index)
    return derivatives_series_from_frame(frame.drop(index[list(drop)]), period="1h")


def candles(price=(100.0, 100.0), rows=ROWS):
    times = pd.date_range(START, periods=rows, freq="1h").as_unit("ns").asi8
    return times, np.linspace(*price, rows)


def evaluate(data, *, direction, price=(100.0, 100.0), at_ns=None):
    open_ns, close = candles(price)
    measures = derivatives_measures(data, candle_open_ns=open_ns, close=close)
    at = int(data.time_ns[-1]) + HOUR_NS if at_ns is None else at_ns  # the newest row has just completed
    return {factor.code: factor for factor in derivatives_factors(measures, at_ns=at, direction=direction, weight=10)}


def points(data, *, direction, price=(100.0, 100.0), at_ns=None):
    return {code: factor.points for code, factor in evaluate(data, direction=direction, price=price,
                                                             at_ns=at_ns).items()}


def test_open_interest_rising_with_price_scores_in_the_moves_direction_only():
    rising = series(oi=(1000.0, 1050.0))
    assert points(rising, direction="long", price=(100.0, 101.0))["OI"] == 10
    assert points(rising, direction="short", price=(100.0, 101.0))["OI"] == 0, "price up is not a short's move"
    assert points(rising, direction="short", price=(101.0, 100.0))["OI"] == 10
    assert points(series(oi=(1050.0, 1000.0)), direction="long", price=(100.0, 101.0))["OI"] == 0, "OI falling"
    assert points(series(oi=(1000.0, 1010.0)), direction="long", price=(100.0, 101.0))["OI"] == 0, "OI +1% < 2%"
    detail = evaluate(rising, direction="long", price=(100.0, 101.0))["OI"].detail
    assert detail == "open interest +5.00% with price +1.00% over 12 periods"


def test_cvd_divergence_from_price_scores_against_the_move():
    buying = series(cvd=(0.0, 5e6))
    assert points(buying, direction="long", price=(101.0, 100.0))["CVD"] == 10, "price down, takers buying"
    assert points(buying, direction="short", price=(101.0, 100.0))["CVD"] == 0
    assert points(buying, direction="long", price=(100.0, 101.0))["CVD"] == 0, "no divergence: both up"
    selling = series(cvd=(0.0, -5e6))
    assert points(selling, direction="short", price=(100.0, 101.0))["CVD"] == 10
    assert points(selling, direction="long", price=(101.0, 100.0))["CVD"] == 0


@pytest.mark.parametrize(("ratio", "long_points", "short_points"), [
    (0.7, 10, 0),   # crowded shorts: contrarian long
    (0.8, 10, 0),
    (1.2, 0, 0),
    (2.0, 0, 10),   # crowded longs: contrarian short
    (2.6, 0, 10),
])
def test_crowded_side_by_the_long_short_ratio_is_faded(ratio, long_points, short_points):
    data = series(ratio=ratio)
    assert points(data, direction="long")["LS"] == long_points
    assert points(data, direction="short")["LS"] == short_points


@pytest.mark.parametrize(("funding", "long_points", "short_points"), [
    (-0.001, 10, 0), (-0.0005, 10, 0), (0.0001, 0, 0), (0.0005, 0, 10), (0.002, 0, 10)])
def test_extreme_funding_is_faded(funding, long_points, short_points):
    data = series(funding=funding)
    assert points(data, direction="long")["FUND"] == long_points
    assert points(data, direction="short")["FUND"] == short_points


def test_absent_data_is_no_data_and_never_points():
    everything = series(oi=(1000.0, 1100.0), cvd=(0.0, 5e6), ratio=0.5, funding=-0.01)
    assert sum(points(everything, direction="long", price=(100.0, 110.0)).values()) > 0  # the data would score
    factors = derivatives_factors(None, at_ns=0, direction="long", weight=10)
    assert [(f.code, f.points) for f in factors] == [("OI", 0), ("CVD", 0), ("LS", 0), ("FUND", 0)]
    assert all(f.detail.startswith("no data") for f in factors)
    # Evaluated a day after the newest row: stale, nothing scores.
    a_day_later = int(everything.time_ns[-1]) + 24 * HOUR_NS
    stale = evaluate(everything, direction="long", price=(100.0, 110.0), at_ns=a_day_later)
    assert all(f.points == 0 and f.detail.startswith("no data") for f in stale.values())
    # Before the first row completed: nothing known.
    early = evaluate(everything, direction="long", at_ns=int(everything.time_ns[0]) + HOUR_NS // 2)
    assert all(f.points == 0 and f.detail.startswith("no data") for f in early.values())
    # Too few rows for the 12-period lookback: OI and CVD absent, the ratio and funding still judged.
    short = evaluate(series(oi=(1000.0, 1100.0), cvd=(0.0, 5e6), ratio=0.5, rows=5), direction="long",
                     price=(100.0, 110.0))
    assert short["OI"].detail.startswith("no data") and short["CVD"].detail.startswith("no data")
    assert (short["OI"].points, short["CVD"].points, short["LS"].points) == (0, 0, 10)
    # A gap where the row 12 periods back should be: absent, not compared with another row.
    gapped = evaluate(series(oi=(1000.0, 1100.0), drop=(0,)), direction="long", price=(100.0, 110.0))
    assert gapped["OI"].points == 0 and gapped["OI"].detail.startswith("no data")
    # A value missing in the row: that factor alone is absent.
    nan_ratio = evaluate(series(ratio=np.nan, funding=-0.01), direction="long")
    assert nan_ratio["LS"].detail.startswith("no data") and nan_ratio["FUND"].points == 10


def test_a_row_still_forming_is_not_read():
    index = pd.date_range(START, periods=ROWS, freq="1h")
    funding = np.full(ROWS, -0.01)
    funding[-1] = 0.0001  # every row extreme except the newest
    data = derivatives_series_from_frame(pd.DataFrame({"funding_rate": funding}, index=index), period="1h")
    open_ns, close = candles()
    measures = derivatives_measures(data, candle_open_ns=open_ns, close=close)
    newest = int(data.time_ns[-1])
    assert points_at(measures, newest + HOUR_NS // 2) == 10, "its hour is not over: the previous row is judged"
    assert points_at(measures, newest + HOUR_NS) == 0, "once complete, the newest row is"


def points_at(measures, at_ns):
    factors = derivatives_factors(measures, at_ns=at_ns, direction="long", weight=10)
    return {f.code: f.points for f in factors}["FUND"]


def test_vectorised_points_equal_the_per_row_factors():
    data = series(oi=(1000.0, 1100.0), cvd=(0.0, -5e6), ratio=2.5, funding=0.001, rows=40)
    open_ns, close = candles((100.0, 90.0), rows=40)
    measures = derivatives_measures(data, candle_open_ns=open_ns, close=close)
    at = np.array([int(t) + offset for t in data.time_ns[::3] for offset in (0, HOUR_NS, 5 * HOUR_NS)])
    long_points, short_points = derivatives_points(measures, at_ns=at, points=10)
    for index, moment in enumerate(at):
        for direction, vector in (("long", long_points), ("short", short_points)):
            factors = derivatives_factors(measures, at_ns=int(moment), direction=direction, weight=10)
            assert vector[index] == sum(f.points for f in factors), (moment, direction)
    assert short_points.max() == 30 and long_points.max() == 0  # OI, LS, FUND (CVD falls with the price)


def test_input_holds_series_and_time():
    data = series()
    assert DerivativesInput(series=data, at_ns=5).at_ns == 5
    with pytest.raises(ValueError, match="unknown derivatives period"):
        derivatives_series_from_frame(pd.DataFrame(), period="4h")
