"""Benchmark: a full TA scan (29 symbols x 5m/1h/4h x 500 candles) against TA-Lib.

Run: ``.venv/bin/python bench/ta_scan.py [--klines DIR] [--repeat N]``

Measures, in one process and on the same candles:
  * engine: ``symbol_analyse`` for every symbol (all indicators on all three timeframes,
    scanner scores, TA bonus) plus ``json.dumps`` of both outputs, as the scan loop does;
  * baseline: the same raw indicator set through TA-Lib (EMA x6, RSI, STOCHRSI + SMA3,
    BBANDS, Keltner from SMA/TRANGE, squeeze momentum from MAX/MIN/SMA/LINEARREG, ATR,
    ADX, PLUS_DI, MINUS_DI) and a numpy daily VWAP;
and prints both medians and the ratio (target <= 2x). Then it times the first scan of
a fresh process, with the numba cache cold and warm (target < 3 s, warm).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / "var" / "numba-cache"))

import numpy as np  # noqa: E402

from ta.engine.candles import candles_read_csv  # noqa: E402

TIMEFRAMES = ("5m", "1h", "4h")
CANDLES = 500
RULES = {"60+": 7, "default": 5}
NS_PER_DAY = 86_400 * 1_000_000_000


def load_market(klines: Path) -> dict[str, dict]:
    """The last 500 candles of every symbol and timeframe in ``klines``."""
    symbols = sorted({path.name.split("-")[0] for path in klines.glob("*-5m.csv.gz")})
    return {
        symbol: {tf: candles_read_csv(str(klines / f"{symbol}-{tf}.csv.gz")).iloc[-CANDLES:] for tf in TIMEFRAMES}
        for symbol in symbols
    }


def engine_scan(market: dict[str, dict]) -> int:
    from ta.engine.analysis import symbol_analyse

    size = 0
    for symbol, frames in market.items():
        result = symbol_analyse(symbol=symbol, frames=frames, leverage_rules=RULES, max_leverage=10)
        size += len(json.dumps(result.ta_result)) + len(json.dumps(result.scan))
    return size


def talib_scan(market: dict[str, dict]) -> None:
    import talib

    for frames in market.values():
        for frame in frames.values():
            high = frame["high"].to_numpy()
            low = frame["low"].to_numpy()
            close = frame["close"].to_numpy()
            volume = frame["volume"].to_numpy()
            for length in (8, 13, 21, 34, 55, 89):
                talib.EMA(close, length)
            talib.RSI(close, 14)
            _, k = talib.STOCHRSI(close, 14, 14, 3)
            talib.SMA(k, 3)
            talib.BBANDS(close, 20, 2.0, 2.0)
            basis = talib.SMA(close, 20)
            range_average = talib.SMA(talib.TRANGE(high, low, close), 20)
            _ = (basis + 1.5 * range_average, basis - 1.5 * range_average)
            midline = ((talib.MAX(high, 20) + talib.MIN(low, 20)) / 2 + basis) / 2
            talib.LINEARREG(close - midline, 20)
            talib.ATR(high, low, close, 14)
            talib.ADX(high, low, close, 14)
            talib.PLUS_DI(high, low, close, 14)
            talib.MINUS_DI(high, low, close, 14)
            day = frame.index.asi8 // NS_PER_DAY
            starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
            typical_volume = np.cumsum((high + low + close) / 3 * volume)
            cumulative_volume = np.cumsum(volume)
            offsets = np.repeat(starts, np.diff(np.r_[starts, day.size]))
            base_pv = np.r_[0.0, typical_volume][offsets]
            base_v = np.r_[0.0, cumulative_volume][offsets]
            with np.errstate(invalid="ignore", divide="ignore"):
                _ = (typical_volume - base_pv) / (cumulative_volume - base_v)


def median_time(function, market, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(market)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


FRESH = """
import os, sys, time, json
started = time.perf_counter()
sys.path.insert(0, {repo!r})
sys.argv = ["ta_scan.py"]
import bench.ta_scan as bench
market = bench.load_market(__import__("pathlib").Path({klines!r}))
loaded = time.perf_counter()
from ta.engine.analysis import symbol_analyse
imported = time.perf_counter()
bench.engine_scan(market)
done = time.perf_counter()
print(json.dumps({{"import_s": imported - loaded, "first_scan_s": done - imported}}))
"""


def fresh_process(klines: Path, cache_dir: str) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(REPO)}
    completed = subprocess.run(
        [sys.executable, "-c", FRESH.format(repo=str(REPO), klines=str(klines))],
        capture_output=True, text=True, env=env, check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--klines", type=Path, default=REPO.parent / "shared" / "data" / "klines")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    market = load_market(args.klines)
    frames = sum(len(frames) for frames in market.values())
    engine_scan(market)  # compile or load the kernels
    talib_scan(market)
    engine_s = median_time(engine_scan, market, args.repeat)
    talib_s = median_time(talib_scan, market, args.repeat)
    sys.stdout.write(
        f"full scan: {len(market)} symbols x {len(TIMEFRAMES)} timeframes ({frames} frames) x {CANDLES} candles\n"
        f"  engine (indicators + scores + JSON): {engine_s * 1000:8.2f} ms (median of {args.repeat})\n"
        f"  TA-Lib raw indicator set:            {talib_s * 1000:8.2f} ms\n"
        f"  ratio engine / TA-Lib:               {engine_s / talib_s:8.2f}x (target <= 2x)\n"
    )
    with tempfile.TemporaryDirectory() as cold_cache:
        cold = fresh_process(args.klines, cold_cache)
        warm = fresh_process(args.klines, cold_cache)
    sys.stdout.write(
        f"fresh process, cold numba cache: import {cold['import_s']:.2f} s, first scan {cold['first_scan_s']:.2f} s\n"
        f"fresh process, warm numba cache: import {warm['import_s']:.2f} s, first scan {warm['first_scan_s']:.2f} s"
        " (target < 3 s)\n"
    )


if __name__ == "__main__":
    main()
