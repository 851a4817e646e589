"""The reference strategy: EMA 8/21 cross on close, fixed % TP and SL, one position at a time.

Long when EMA 8 crosses above EMA 21 at a candle's close (EMA 8 > EMA 21 now, <= on
the previous candle), short on the reverse cross; entries fill at that close. TP and
SL are price-move percentages from the entry (the run uses leverage 1, so the trader's
%-of-margin exits equal price moves). While a position is open, crosses are ignored.
EMAs are the engine's (``ta.engine.ema.ema``: TA-Lib EMA, SMA-seeded).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np

from coinex.simulator.markets import default_markets
from ta.engine.ema import ema
from trader.backtest.data import SymbolHistory
from trader.backtest.settings import BacktestSettings
from trader.backtest.strategy import SideScores
from trader.cycle.rules import EntrySettings

FAST_LENGTH = 8
SLOW_LENGTH = 21
SIGNAL_SCORE = 1  # a cross scores 1 against thresholds of 1: every cross is a candidate
FINE_PRICE_PRECISION = 10  # the reference trades at candle prices exactly (no tick rounding)


def ema_cross_flags(close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cross up, cross down) per candle of ``close``; False during the EMA 21 warm-up."""
    fast, slow = ema(close, FAST_LENGTH), ema(close, SLOW_LENGTH)
    above = fast > slow
    defined = np.isfinite(fast) & np.isfinite(slow)
    previous_defined = np.zeros(close.size, dtype=bool)
    previous_defined[1:] = defined[:-1]
    previous_above = np.zeros(close.size, dtype=bool)
    previous_above[1:] = above[:-1]
    usable = defined & previous_defined
    return usable & above & ~previous_above, usable & ~above & previous_above


class EmaCrossStrategy:
    """Scores 1 on the side of a cross, 0 elsewhere, on candles of ``timeframe``."""

    name = "ema_cross"
    decides_entry = False

    def __init__(self, *, timeframe: str = "5m") -> None:
        self.timeframes = (timeframe,)

    def scores(self, history: SymbolHistory) -> SideScores:
        close = history.frames[self.timeframes[0]]["close"].to_numpy(dtype=np.float64)
        up, down = ema_cross_flags(close)
        zeros = np.zeros(close.size, dtype=np.int64)
        return SideScores(up.astype(np.int64) * SIGNAL_SCORE, down.astype(np.int64) * SIGNAL_SCORE, zeros, zeros,
                          np.ones(close.size, dtype=bool))


def ema_cross_settings(*, tp_pct: Decimal, sl_pct: Decimal, fee_pct: Decimal,
                       starting_balance: Decimal = Decimal(10_000),
                       position_size_pct: Decimal = Decimal(90)) -> BacktestSettings:
    """Settings for the reference: one position, leverage 1, TP/SL as price moves, taker fee ``fee_pct`` %,
    no slippage, no trailing stop, no funding, markets without tick rounding. The allocator's exposure and heat
    limits are opened to 100 % (the reference holds one position of ``position_size_pct`` of equity)."""
    markets = {symbol: dataclasses.replace(market, price_precision=FINE_PRICE_PRECISION,
                                           tick_size=Decimal(1).scaleb(-FINE_PRICE_PRECISION))
               for symbol, market in default_markets().items()}
    entry = EntrySettings(
        long_threshold=SIGNAL_SCORE, short_threshold=SIGNAL_SCORE, coin_whitelist=(), coin_blacklist=(),
        max_positions=1, max_leverage=1, leverage_rules={"default": 1}, position_size_pct=position_size_pct,
        use_ta_signals=False, ta_bonus_cap=0, max_strategy_exposure_pct=Decimal(100),
        max_portfolio_heat_pct=Decimal(100),
    )
    return BacktestSettings(entry=entry, tp_pct=tp_pct, sl_pct=sl_pct, trailing_stop=False,
                            starting_balance=starting_balance, fee_rate=fee_pct / 100, markets=markets)
