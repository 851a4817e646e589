"""The pure TA engine: pandas, numpy and numba (pandas-ta's JIT) only; no Django, no I/O.

Entry points: ``ta.engine.analysis.symbol_analyse`` (one symbol, seed TA result and
scanner entry), ``ta.engine.indicators.indicators_frame`` (every series of a candle
frame), ``ta.engine.warmup.engine_warm`` (compile the kernels ahead of the first scan).
Definitions of every indicator: docs/INDICATORS.md; scores: docs/SCORING.md.
"""
