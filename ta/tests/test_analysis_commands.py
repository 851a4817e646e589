"""``manage.py analyze`` and ``manage.py indicators``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from ta.engine.analysis import symbol_analyse
from ta.engine.candles import candles_read_csv, candles_resample
from ta.engine.indicators import indicators_frame
from ta.services.analysis import DEFAULT_LEVERAGE_RULES
from ta.tests.analysis_data import candles_store

pytestmark = pytest.mark.klines

INDICATOR_COLUMNS = [
    "timestamp", "ema_8", "ema_13", "ema_21", "ema_34", "ema_55", "ema_89", "rsi_14", "stochrsi_k", "stochrsi_d",
    "bb_upper", "bb_mid", "bb_lower", "kc_upper", "kc_mid", "kc_lower", "squeeze_on", "squeeze_momentum", "atr_14",
    "adx_14", "plus_di_14", "minus_di_14", "vwap",
]


@pytest.fixture(scope="module")
def five_minute_csv(klines_dir, tmp_path_factory):
    """A 7,000-candle 5m CSV (enough for 500 aggregated 1h candles), in the shared format."""
    raw = pd.read_csv(klines_dir / "XRPUSDT-5m.csv.gz", nrows=7_000)
    path = tmp_path_factory.mktemp("candles") / "XRPUSDT-5m.csv"
    raw.to_csv(path, index=False)
    return path


def test_analyze_prints_the_seed_json_of_a_csv_offline(five_minute_csv, capsys):
    call_command("analyze", "xrpusdt", "--candles", str(five_minute_csv), "--json")
    printed = json.loads(capsys.readouterr().out)
    five = candles_read_csv(str(five_minute_csv))
    expected = symbol_analyse(
        symbol="XRPUSDT",
        frames={"5m": five.iloc[-500:], "1h": candles_resample(five, "1h").iloc[-500:],
                "4h": candles_resample(five, "4h").iloc[-500:]},
        leverage_rules=DEFAULT_LEVERAGE_RULES, max_leverage=10,
    )
    assert printed == expected.ta_result
    assert printed["symbol"] == "XRPUSDT"


def test_analyze_without_json_shows_base_and_ta_bonus(five_minute_csv, capsys):
    call_command("analyze", "XRPUSDT", "--candles", str(five_minute_csv))
    out = capsys.readouterr().out
    assert '"ema_ribbon"' in out
    assert "long: base " in out and " + TA " in out and "suggested leverage" in out


@pytest.mark.django_db
def test_analyze_reads_the_database(klines_dir, capsys):
    frames = candles_store(klines_dir, "BTCUSDT")
    call_command("analyze", "BTCUSDT", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["timestamp"] == frames["5m"].index[-1].strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.django_db
def test_analyze_refuses_a_symbol_without_enough_candles():
    with pytest.raises(CommandError, match="BTCUSDT: insufficient_data: 5m: 0 candles, at least 100 needed"):
        call_command("analyze", "BTCUSDT")


def test_analyze_refuses_a_csv_that_is_not_5m(klines_dir):
    with pytest.raises(CommandError, match="does not hold 5m candles"):
        call_command("analyze", "SOLUSDT", "--candles", str(klines_dir / "SOLUSDT-1h.csv.gz"))


def test_indicators_writes_every_series(five_minute_csv, tmp_path, capsys):
    out = tmp_path / "series.csv"
    call_command("indicators", "--candles", str(five_minute_csv), "--out", str(out))
    written = pd.read_csv(out)
    assert list(written.columns) == INDICATOR_COLUMNS
    assert len(written) == 7_000
    expected = indicators_frame(candles_read_csv(str(five_minute_csv)))
    assert written["timestamp"].iloc[0] == expected.index[0].strftime("%Y-%m-%dT%H:%M:%SZ")
    np.testing.assert_allclose(written["adx_14"].to_numpy(), expected["adx_14"].to_numpy(), rtol=1e-12)
    assert written["ema_89"].isna().sum() == 88
    assert "wrote 7000 rows" in capsys.readouterr().out
