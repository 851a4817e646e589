"""The reference strategy on the backtesting.py package (the peer of the cross-check and the bench).

Configured to follow our documented fill rule: ``trade_on_close=True`` (the entry
fills at the signal candle's close, as our cycle at the close does), SL/TP as bracket
orders checked from the next candle (backtesting.py processes stop orders first, so a
candle touching both closes at the stop; a gap fills at the open), commission per fill
as our taker fee, no spread, ``exclusive_orders`` off (the strategy trades only when
flat, so it never matters). The cross signals are the same arrays (``ema_cross_flags``),
so the check compares the two engines' order handling, not two EMA implementations.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from trader.backtest.ema_cross import ema_cross_flags

FIVE_MINUTES = pd.Timedelta(minutes=5)
PEER_CASH = 1e12  # whole units of even BTC at any price, so sizing never blocks a trade


@dataclass(frozen=True)
class PeerTrade:
    """A closed trade of backtesting.py; times are the candles' close times like ours."""

    side: str
    entry_time: datetime
    entry_price: float
    exit_time: datetime
    exit_price: float


def peer_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Our engine frame in backtesting.py's column names."""
    return frame.rename(columns={"open": "Open", "high": "High", "low": "Low", "close": "Close",
                                 "volume": "Volume"})


def peer_run(*, frame: pd.DataFrame, tp_pct: float, sl_pct: float, fee_pct: float,
             step: pd.Timedelta = FIVE_MINUTES) -> tuple[list[PeerTrade], object]:
    """Run the reference on backtesting.py over ``frame``; (closed trades, backtesting.py stats)."""
    from backtesting import Backtest, Strategy

    up, down = ema_cross_flags(frame["close"].to_numpy(dtype=np.float64))
    tp, sl = tp_pct / 100.0, sl_pct / 100.0

    class EmaCross(Strategy):
        def init(self) -> None:
            self.cross_up = self.I(lambda: up, name="cross_up", plot=False)
            self.cross_down = self.I(lambda: down, name="cross_down", plot=False)

        def next(self) -> None:
            if self.position:
                return
            close = self.data.Close[-1]
            if self.cross_up[-1]:
                self.buy(sl=close * (1 - sl), tp=close * (1 + tp))
            elif self.cross_down[-1]:
                self.sell(sl=close * (1 + sl), tp=close * (1 - tp))

    backtest = Backtest(peer_frame(frame), EmaCross, cash=PEER_CASH, commission=fee_pct / 100.0,
                        trade_on_close=True, exclusive_orders=False, finalize_trades=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = backtest.run()
    trades = [
        PeerTrade(side="long" if row.Size > 0 else "short", entry_time=(row.EntryTime + step).to_pydatetime(),
                  entry_price=float(row.EntryPrice), exit_time=(row.ExitTime + step).to_pydatetime(),
                  exit_price=float(row.ExitPrice))
        for row in stats._trades.itertuples()
    ]
    return trades, stats
