"""Synthetic markets for the backtester's tests: candles we write and scores we choose."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from trader.backtest.data import SymbolHistory
from trader.backtest.settings import BacktestSettings
from trader.backtest.strategy import SideScores
from trader.cycle.rules import EntrySettings

START = pd.Timestamp("2024-01-01", tz="UTC")


def frame_from(rows: list[tuple[float, float, float, float]], start: pd.Timestamp = START) -> pd.DataFrame:
    """5m candles from (open, high, low, close) rows, volume 1."""
    index = pd.date_range(start, periods=len(rows), freq="5min", name="open_time")
    data = np.array(rows, dtype=np.float64)
    return pd.DataFrame({"open": data[:, 0], "high": data[:, 1], "low": data[:, 2], "close": data[:, 3],
                         "volume": np.ones(len(rows))}, index=index)


def flat(price: float, count: int) -> list[tuple[float, float, float, float]]:
    return [(price, price, price, price)] * count


@dataclass
class ChosenScores:
    """A strategy whose scores the test sets per symbol: {symbol: {step: (long, short, long_bonus, short_bonus)}}."""

    chosen: dict[str, dict[int, tuple[int, int, int, int]]]
    name: str = "chosen"
    timeframes: tuple[str, ...] = ("5m",)
    decides_entry: bool = False

    def scores(self, history: SymbolHistory) -> SideScores:
        size = len(history.frames["5m"])
        arrays = [np.zeros(size, dtype=np.int64) for _ in range(4)]
        for step, values in self.chosen.get(history.symbol, {}).items():
            for array, value in zip(arrays, values, strict=True):
                array[step] = value
        return SideScores(*arrays, valid=np.ones(size, dtype=bool))


def entry_settings(**changes: object) -> EntrySettings:
    values = dict(long_threshold=45, short_threshold=50, coin_whitelist=(), coin_blacklist=(), max_positions=3,
                  max_leverage=10, leverage_rules={"60+": 7, "default": 5}, position_size_pct=Decimal(10),
                  use_ta_signals=False, ta_bonus_cap=30)
    values.update(changes)
    return EntrySettings(**values)


def settings_with(*, entry: EntrySettings | None = None, **changes: object) -> BacktestSettings:
    values = dict(tp_pct=Decimal(10), sl_pct=Decimal(5), trailing_stop=False, fee_rate=Decimal("0.0005"))
    values.update(changes)
    return BacktestSettings(entry=entry or entry_settings(), **values)


@pytest.fixture
def real_btc(klines_dir) -> pd.DataFrame:
    """5,000 real BTCUSDT 5m candles (2024-01-01 onwards)."""
    from ta.engine.candles import candles_read_csv

    return candles_read_csv(str(klines_dir / "BTCUSDT-5m.csv.gz")).iloc[:5000]
