"""Benchmark: the backtester against backtesting.py, and the full decision code on 24 symbols x 2024.

Run: ``.venv/bin/python bench/backtest.py [--klines DIR] [--repeat N] [--skip-portfolio]``

1. Reference strategy (EMA 8/21 cross, fee 0.05 %, two TP/SL settings) on BTCUSDT 5m
   2024 (~72k candles), same frame, same process: candles/s of our backtester
   (signals + portfolio loop on the paper exchange's engine + ``metrics_compute``) and of
   backtesting.py (``peer_run``: Backtest built and run, which includes its statistics),
   the best of ``--repeat`` runs after one untimed warm-up run each (imports, numba), and
   the ratio (target >= 3x). backtesting.py's progress bar is switched off (ours shows
   none). The trades of both are compared, so the speed is for the same result.
2. Scanner strategy through the full decision code (vectorised scanner scores, the live
   ``entry_plan`` / ``exit_decide``, the simulator) on the 24 symbols with 2024 5m files
   (~70k candles each, 1h context), with the DESIGN.md default config (and again with
   the kill switch off, so the whole year is traded): seconds for loading, scoring +
   simulating, and in total (target < 60 s).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / "var" / "numba-cache"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["TQDM_DISABLE"] = "1"  # read when tqdm is imported: backtesting.py's bar would be timed, ours shows none

SYMBOLS_2024 = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "AVAXUSDT", "LINKUSDT", "LTCUSDT",
                "BCHUSDT", "TRXUSDT", "NEARUSDT", "APTUSDT", "ARBUSDT", "OPUSDT", "SUIUSDT", "ATOMUSDT", "INJUSDT",
                "UNIUSDT", "AAVEUSDT", "ETCUSDT", "HBARUSDT", "PEPEUSDT", "WIFUSDT", "SEIUSDT")
FEE_PCT = Decimal("0.05")
# (TP %, SL %): an active setting (a trade every ~30 candles) and a calmer one.
REFERENCE_EXITS = ((Decimal("0.4"), Decimal("0.3")), (Decimal("1.0"), Decimal("0.5")))


def best_s(function, repeat: int) -> tuple[float, object]:
    """The fastest of ``repeat`` timed calls after one untimed warm-up call (imports, numba); the best
    is the least disturbed by other work on a shared machine, and both sides are timed alike."""
    result = function()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def reference(klines: Path, repeat: int, tp_pct: Decimal, sl_pct: Decimal) -> None:
    from ta.engine.candles import candles_read_csv
    from trader.backtest.data import SymbolHistory
    from trader.backtest.ema_cross import EmaCrossStrategy, ema_cross_settings
    from trader.backtest.metrics import metrics_compute
    from trader.backtest.portfolio import backtest_run
    from trader.testing.backtest_peer import peer_run

    frame = candles_read_csv(str(klines / "BTCUSDT-5m.csv.gz"))
    settings = ema_cross_settings(tp_pct=tp_pct, sl_pct=sl_pct, fee_pct=FEE_PCT)

    def ours():  # the run and its figures, as backtesting.py's run computes its stats
        result = backtest_run(histories=[SymbolHistory("BTCUSDT", {"5m": frame})], strategy=EmaCrossStrategy(),
                              settings=settings)
        metrics_compute(result)
        return result

    def peer():
        return peer_run(frame=frame, tp_pct=float(tp_pct), sl_pct=float(sl_pct), fee_pct=float(FEE_PCT))

    ours_s, ours_result = best_s(ours, repeat)
    peer_s, (peer_trades, _stats) = best_s(peer, repeat)
    closed = [t for t in ours_result.trades if t.reason != "end"]
    same = len(closed) == len(peer_trades) and all(
        (a.side, a.entry_time, a.exit_time) == (b.side, b.entry_time, b.exit_time)
        for a, b in zip(closed, peer_trades, strict=True))
    candles = len(frame)
    print(f"reference ema_cross TP {tp_pct} % SL {sl_pct} % on BTCUSDT 5m: {candles} candles, {len(closed)} trades "
          f"({'identical' if same else 'DIFFERENT'} to backtesting.py)")
    print(f"  ours           {ours_s:7.3f} s  {candles / ours_s:12,.0f} candles/s")
    print(f"  backtesting.py {peer_s:7.3f} s  {candles / peer_s:12,.0f} candles/s")
    print(f"  ratio          {peer_s / ours_s:7.2f}x (target >= 3x)")


def portfolio(klines: Path, *, kill_switch: bool) -> None:
    import dataclasses

    from trader.backtest.data import history_from_folder
    from trader.backtest.metrics import metrics_compute
    from trader.backtest.portfolio import backtest_run
    from trader.backtest.settings import settings_from_config
    from trader.backtest.strategy import ScannerStrategy
    from trader.models import TraderConfig

    settings = settings_from_config(TraderConfig())  # the DESIGN.md defaults, nothing read from a database
    if not kill_switch:  # trade the whole year even after the default 50 % drawdown
        settings = dataclasses.replace(settings, kill_switch_drawdown_pct=None)
    started = time.perf_counter()
    histories = history_from_folder(directory=klines, symbols=list(SYMBOLS_2024), timeframes=("5m", "1h"))
    loaded = time.perf_counter()
    result = backtest_run(histories=histories, strategy=ScannerStrategy(), settings=settings)
    finished = time.perf_counter()
    metrics = metrics_compute(result)
    print(f"scanner, full decision code, kill switch {'on' if kill_switch else 'off'}, {len(histories)} symbols: "
          f"{result.candles:,} candles, "
          f"{metrics['trades']} trades, return {metrics['total_return_pct']} %, max drawdown "
          f"{metrics['max_drawdown_pct']} %, kill switch {metrics['kill_switch_at']}")
    print(f"  load {loaded - started:6.2f} s  score + simulate {finished - loaded:6.2f} s  "
          f"total {finished - started:6.2f} s (target < 60 s)  {result.candles / (finished - loaded):,.0f} candles/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--klines", type=Path, default=REPO.parent / "shared" / "data" / "klines")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-portfolio", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    for tp_pct, sl_pct in REFERENCE_EXITS:
        reference(args.klines, args.repeat, tp_pct, sl_pct)
    if not args.skip_portfolio:
        portfolio(args.klines, kill_switch=True)
        portfolio(args.klines, kill_switch=False)


if __name__ == "__main__":
    main()
