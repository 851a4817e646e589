"""manage.py backtest and backtest_optimise check every argument before any work (issue 20 item 2).

The candle files here are garbage: a command that read them before validating would stop
on a parse error, not on the message asserted, so each test proves the check came first.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def garbage_candles(tmp_path):
    """BTCUSDT 5m and 1h files that cannot be read as candles."""
    for timeframe in ("5m", "1h"):
        (tmp_path / f"BTCUSDT-{timeframe}.csv").write_text("this is not,a kline file\n\x00\x01\n")
    return tmp_path


def refused(command: str, *args: str) -> str:
    with pytest.raises(CommandError) as refusal:
        call_command(command, *args, stdout=StringIO(), stderr=StringIO())
    return str(refusal.value)


def test_ema_cross_in_compare_is_refused_saying_how_to_run_it(garbage_candles):
    message = refused("backtest", "--symbols", "BTCUSDT", "--candles", str(garbage_candles),
                      "--compare", "supertrend,ema_cross", "--no-progress")
    assert "ema_cross cannot be used with --compare: it needs its own TP/SL" in message
    assert "use --strategy ema_cross" in message
    assert "unknown strategy" not in message  # no more "unknown 'ema_cross'; known: ..., ema_cross"


def test_an_unknown_compare_name_lists_the_comparable_ones(garbage_candles):
    message = refused("backtest", "--symbols", "BTCUSDT", "--candles", str(garbage_candles),
                      "--compare", "moon", "--no-progress")
    assert "--compare: unknown strategy 'moon'; known:" in message and "supertrend" in message


def test_every_problem_is_named_at_once(garbage_candles):
    message = refused("backtest", "--symbols", "BTCUSDT", "--candles", str(garbage_candles), "--from",
                      "2024-03-01", "--to", "2024-02-01", "--compare", "scanner",
                      "--leverage-rules", '{"\u0666\u0660+": 7, "default": 5}', "--no-progress")
    assert "--compare names the main strategy 'scanner' again" in message
    assert "--to (2024-02-01) must be after --from (2024-03-01)" in message
    assert "--leverage-rules: leverage_rules key" in message


def test_a_missing_timeframe_file_is_named_before_loading_the_others(garbage_candles):
    (garbage_candles / "BTCUSDT-1h.csv").unlink()
    message = refused("backtest", "--symbols", "BTCUSDT", "--candles", str(garbage_candles), "--no-progress")
    assert message == f"no BTCUSDT-1h.csv(.gz) in {garbage_candles}"


def test_an_unknown_timeframe_lists_the_known_ones(garbage_candles):
    message = refused("backtest", "--strategy", "ema_cross", "--symbols", "BTCUSDT", "--candles",
                      str(garbage_candles), "--timeframe", "2m", "--tp-pct", "1", "--sl-pct", "1", "--no-progress")
    assert message.startswith("unknown timeframe '2m'; one of 1m, 3m, 5m")


def test_ema_cross_without_its_exits_says_which_flags(garbage_candles):
    message = refused("backtest", "--strategy", "ema_cross", "--symbols", "BTCUSDT", "--candles",
                      str(garbage_candles), "--no-progress")
    assert "ema_cross needs --tp-pct and --sl-pct" in message


def test_the_optimiser_names_every_bad_argument_at_once(garbage_candles):
    message = refused("backtest_optimise", "--symbols", "BTCUSDT", "--candles", str(garbage_candles), "--from",
                      "2024-01-01", "--to", "2024-02-01", "--metric", "luck", "--folds", "0", "--trials", "0")
    assert "--metric 'luck' is not one of sharpe_adj, sharpe, sortino, total_return_pct, profit_factor" in message
    assert "--folds must be at least 1" in message and "--trials must be at least 1" in message


def test_the_optimiser_refuses_ema_cross_and_a_missing_period(garbage_candles):
    message = refused("backtest_optimise", "--strategy", "ema_cross", "--symbols", "BTCUSDT", "--candles",
                      str(garbage_candles), "--from", "2024-01-01", "--to", "2024-02-01")
    assert "ema_cross cannot be optimised" in message
    assert refused("backtest_optimise", "--symbols", "BTCUSDT") == "--from, --to required (or --apply STUDY_ID alone)"


def test_apply_names_a_missing_study_and_takes_no_other_argument():
    assert refused("backtest_optimise", "--apply", "999") == "no stored study 999 (see /backtests or --store)"
    assert "--apply takes no other arguments (got --symbols)" in refused(
        "backtest_optimise", "--apply", "1", "--symbols", "BTCUSDT")
