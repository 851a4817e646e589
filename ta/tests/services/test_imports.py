"""Importing candle files: real files stored exactly, bad rows reported, re-import idempotent."""

from __future__ import annotations

import pytest

from ta.models import Candle, Symbol
from ta.services.imports import CandleImportError, candles_import_file, import_paths_list

pytestmark = pytest.mark.django_db


@pytest.mark.klines
def test_a_real_file_imports_every_row_and_a_reimport_changes_nothing(klines_dir):
    path = klines_dir / "futures" / "XRPUSDT-5m.csv.gz"
    report = candles_import_file(path=path)
    assert (report.symbol, report.timeframe, report.valid, report.changed, report.rejected) == (
        "XRPUSDT", "5m", 1999, 1999, [])
    assert Candle.objects.filter(symbol__symbol="XRPUSDT", timeframe="5m", is_closed=True).count() == 1999
    assert candles_import_file(path=path).changed == 0


def test_an_unknown_symbol_is_refused_unless_created_disabled(tmp_path):
    path = tmp_path / "NEWUSDT-1h.csv"
    path.write_text("timestamp,open,high,low,close,volume\n1717200000000,1,2,0.5,1.5,10\n")
    with pytest.raises(CandleImportError, match="unknown symbol NEWUSDT"):
        candles_import_file(path=path)
    report = candles_import_file(path=path, create_symbol=True)
    assert report.changed == 1
    assert Symbol.objects.get(symbol="NEWUSDT").enabled is False


def test_a_file_name_without_symbol_and_timeframe_needs_them_given(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("timestamp,open,high,low,close,volume\n1717200000000,1,2,0.5,1.5,10\n")
    with pytest.raises(CandleImportError, match="--symbol and --timeframe"):
        candles_import_file(path=path)
    assert candles_import_file(path=path, symbol="BTCUSDT", timeframe="1h").changed == 1


def test_a_directory_lists_its_candle_files_only(tmp_path):
    for name in ("BTCUSDT-5m.csv.gz", "ETHUSDT-1h.csv", "README.md"):
        (tmp_path / name).write_text("")
    assert [p.name for p in import_paths_list(tmp_path)] == ["BTCUSDT-5m.csv.gz", "ETHUSDT-1h.csv"]
