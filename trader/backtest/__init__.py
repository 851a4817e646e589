"""Backtester: the live decision code (trader.cycle.rules/exits, ta.engine scores) replayed on history.

Modules: ``data`` (candles from a CSV folder or the database), ``scanner_series`` (the
scanner's scores per step, vectorised), ``strategy`` (the small interface a strategy
implements), ``ema_cross`` (the reference strategy), ``portfolio`` (the simulation loop
on the paper exchange's engine), ``metrics``. docs/BACKTEST.md describes the rules.
"""
