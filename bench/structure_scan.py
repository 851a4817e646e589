"""Benchmark: the structure engines and the regime over 29 symbols x 5m/1h/4h x 500 candles.

Run: ``.venv/bin/python bench/structure_scan.py [--klines DIR] [--repeat N]``

Measures, in one process and on the same candles, ``structure_analyse`` +
``regime_classify`` for every series against a baseline: the TA scan's
``symbol_analyse`` of every symbol (all indicators on the three timeframes), so the
ratio says what the structure run adds to the analysis queue's work per candle update.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / "var" / "numba-cache"))

from bench.ta_scan import RULES, load_market  # noqa: E402


def structure_run(market: dict[str, dict]) -> int:
    from ta.engine.structure.analysis import structure_analyse
    from ta.engine.structure.regime import regime_classify

    signals = 0
    for frames in market.values():
        for frame in frames.values():
            signals += structure_analyse(frame).signal is not None
            regime_classify(frame)
    return signals


def baseline_run(market: dict[str, dict]) -> None:
    from ta.engine.analysis import symbol_analyse

    for symbol, frames in market.items():
        symbol_analyse(symbol=symbol, frames=frames, leverage_rules=RULES, max_leverage=10)


def median_s(function, market: dict[str, dict], repeat: int) -> float:
    function(market)  # compile / warm
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(market)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--klines", type=Path, default=REPO.parent / "shared" / "data" / "klines")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    market = load_market(args.klines)
    structure = median_s(structure_run, market, args.repeat)
    baseline = median_s(baseline_run, market, args.repeat)
    series = sum(len(frames) for frames in market.values())
    print(f"structure + regime: {structure * 1000:.1f} ms for {series} series "
          f"({structure / series * 1000:.2f} ms each)")
    print(f"baseline TA scan:   {baseline * 1000:.1f} ms for {len(market)} symbols")
    print(f"ratio structure / TA scan: {structure / baseline:.2f}x")


if __name__ == "__main__":
    main()
