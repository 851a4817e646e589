"""The scanner's derivatives factors in a backtest: point in time only, and absent (no points) for
every step before the stored series begins (Binance keeps 30 days; a year-long run must not
read them as if they covered the year)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from ta.engine.candles import candles_read_csv
from ta.engine.scoring import DERIVATIVES_POINTS, MAX_SCORE
from trader.backtest.data import SymbolHistory, histories_with_derivatives
from trader.backtest.strategy import ScannerStrategy

pytestmark = pytest.mark.klines

FIVE_MIN = pd.Timedelta(minutes=5)


@pytest.fixture(scope="module")
def history(klines_dir) -> SymbolHistory:
    five = candles_read_csv(str(klines_dir / "BTCUSDT-5m.csv.gz")).iloc[:3000]
    hour = candles_read_csv(str(klines_dir / "BTCUSDT-1h.csv.gz"))
    hour = hour[hour.index <= five.index[-1]]
    return SymbolHistory(symbol="BTCUSDT", frames={"5m": five, "1h": hour})


def ratios(start: pd.Timestamp, values: list[float]) -> pd.DataFrame:
    """5m rows from ``start``, one long/short ratio each (nothing else stored)."""
    index = pd.date_range(start, periods=len(values), freq="5min", name="time")
    return pd.DataFrame({"global_long_short_ratio": values}, index=index)


def extra_points(history: SymbolHistory, derivatives: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    plain = ScannerStrategy().scores(history)
    with_factors = ScannerStrategy(derivatives_factors=True).scores(
        SymbolHistory(symbol=history.symbol, frames=history.frames, derivatives=derivatives))
    return with_factors.long_score - plain.long_score, with_factors.short_score - plain.short_score


def test_off_by_default_and_no_series_means_no_points(history):
    assert ScannerStrategy().derivatives_factors is False
    long_extra, short_extra = extra_points(history, None)
    assert not long_extra.any() and not short_extra.any()


def test_steps_before_the_series_begins_get_no_points(history):
    times = history.frames["5m"].index
    first = 2000  # the series covers only the last third of the run
    long_extra, short_extra = extra_points(history, ratios(times[first], [0.5] * (len(times) - first)))
    # The first row (starting at candle `first`'s open) is complete at that candle's close: step `first`.
    assert not long_extra[:first].any(), "no derivatives history then: absent, never points"
    plain = ScannerStrategy().scores(history).long_score
    expected = np.minimum(plain[first:] + DERIVATIVES_POINTS, MAX_SCORE) - plain[first:]
    assert (long_extra[first:] == expected).all() and long_extra[first:].any()
    assert not short_extra.any()


def test_a_step_never_reads_a_row_that_was_not_complete_at_its_close(history):
    times = history.frames["5m"].index
    start, flip = 1000, 1100
    # Crowded shorts (contrarian long) until the row starting at `flip`, crowded longs from then on.
    values = [0.5] * (flip - start) + [2.5] * 200
    long_extra, short_extra = extra_points(history, ratios(times[start], values))
    assert long_extra[flip - 1] > 0 or ScannerStrategy().scores(history).long_score[flip - 1] == MAX_SCORE
    assert short_extra[flip - 1] == 0, "the crowded-longs row starting at `flip` is not known before its close"
    assert short_extra[flip] > 0 or ScannerStrategy().scores(history).short_score[flip] == MAX_SCORE
    assert long_extra[flip] == 0
    # After the series ends (its last row older than 3 periods): stale, absent again.
    end = start + len(values)
    assert not long_extra[end + 3:].any() and not short_extra[end + 3:].any()


@pytest.mark.django_db
def test_the_run_loads_the_stored_rows_for_the_scanner_with_the_setting(history, settings):
    from ta.models import DerivativesPoint, Symbol
    from trader.backtest.service import strategy_build

    btc = Symbol.objects.get(symbol="BTCUSDT")
    start = history.frames["5m"].index[2500].to_pydatetime()
    DerivativesPoint.objects.bulk_create(
        DerivativesPoint(symbol=btc, period="5m", time=start + timedelta(minutes=5 * step),
                         global_long_short_ratio=Decimal("0.5"), source="test") for step in range(100))
    loaded = histories_with_derivatives([history])[0]
    assert len(loaded.derivatives) == 100 and loaded.derivatives.index[0] == pd.Timestamp(start)

    class Request:
        strategy, timeframe = "scanner", "5m"

    assert strategy_build(Request()).derivatives_factors is False
    settings.SCANNER_DERIVATIVES_FACTORS = True
    assert strategy_build(Request()).derivatives_factors is True
    long_extra, _ = extra_points(history, loaded.derivatives)
    assert not long_extra[:2500].any() and long_extra[2500:2600].any()
