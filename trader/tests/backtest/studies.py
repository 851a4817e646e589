"""A stored optimiser study, saved by the optimiser's own ``study_store`` (the page and the API only read rows)."""

from __future__ import annotations

from datetime import UTC, datetime

from trader.backtest.optimise import OptimiseRequest, study_store, walk_forward_windows
from trader.backtest.service import BacktestRequest
from trader.models import BacktestStudy

STUDY_START, STUDY_END = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 13, tzinfo=UTC)
# Two folds of a 4-trial search on SOLUSDT and DOGEUSDT, figures as backtest_optimise printed them.
_BEST = ({"long_threshold": 47, "short_threshold": 58, "tp_pct": 12.5, "sl_pct": 3.5, "leverage_default": 4,
          "leverage_60": 7},
         {"long_threshold": 53, "short_threshold": 41, "tp_pct": 6.0, "sl_pct": 2.0, "leverage_default": 2,
          "leverage_60": 5})
_TEST = ({"total_return_pct": 1.73, "max_drawdown_pct": 2.41, "trades": 9, "win_rate_pct": 55.56,
          "profit_factor": 1.38, "sharpe": 2.15, "average_trade": 19.22},
         {"total_return_pct": -0.86, "max_drawdown_pct": 1.97, "trades": 6, "win_rate_pct": 33.33,
          "profit_factor": 0.71, "sharpe": -1.04, "average_trade": -14.33})


def backtest_study_stored() -> BacktestStudy:
    """A finished two-window scanner study (not applied)."""
    request = OptimiseRequest(base=BacktestRequest(strategy="scanner", symbols=("SOLUSDT", "DOGEUSDT"),
                                                   start=STUDY_START, end=STUDY_END),
                              folds=2, trials=4, metric="sharpe")
    folds = [{"train": [train_start.isoformat(), train_end.isoformat()],
              "test": [train_end.isoformat(), test_end.isoformat()],
              "best_params": best, "train_score": score, "test_metrics": test}
             for (train_start, train_end, test_end), best, score, test
             in zip(walk_forward_windows(STUDY_START, STUDY_END, 2), _BEST, (3.41, 1.87), _TEST, strict=True)]
    return study_store(request=request, outcome={"folds": folds, "recommended": folds[-1]["best_params"]})
