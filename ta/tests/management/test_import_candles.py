"""manage.py import_candles FILE_OR_DIR: reports per file, what was rejected and why, idempotent."""

from __future__ import annotations

import re
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ta.models import Candle

pytestmark = pytest.mark.django_db

HEADER = "timestamp,open,high,low,close,volume\n"


def run(*args) -> str:
    out = StringIO()
    call_command("import_candles", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.klines
def test_a_directory_of_real_files_imports_and_reimports_idempotently(klines_dir, tmp_path):
    for name in ("XRPUSDT-5m.csv.gz", "XRPUSDT-1h.csv.gz"):
        shutil.copy(klines_dir / "futures" / name, tmp_path / name)
    out = run(tmp_path)
    assert "XRPUSDT-1h.csv.gz: XRPUSDT 1h: 100 valid, 100 new or changed, 0 rejected" in out
    assert "XRPUSDT-5m.csv.gz: XRPUSDT 5m: 1999 valid, 1999 new or changed, 0 rejected" in out
    assert "0 new or changed" in run(tmp_path / "XRPUSDT-1h.csv.gz")
    assert Candle.objects.filter(symbol__symbol="XRPUSDT").count() == 2099


def test_rejected_rows_are_listed_with_line_and_reason(tmp_path):
    path = tmp_path / "BTCUSDT-5m.csv"
    path.write_text(HEADER + "1717200000000,1,2,0.5,1.5,10\n1717200000000,1,2,0.5,1.5,10\n"
                    "1717200300000,1,0.9,0.5,1.5,10\n")
    out = run(path)
    assert "1 valid, 1 new or changed, 2 rejected" in out
    assert "line 3: duplicate timestamp 1717200000000" in out
    assert "line 4: high 0.9 below open/close" in out


def test_options_name_the_symbol_and_timeframe_of_an_oddly_named_file(tmp_path):
    path = tmp_path / "download.csv"
    path.write_text(HEADER + "1717200000000,1,2,0.5,1.5,10\n")
    assert "ETHUSDT 4h: 1 valid" in run(path, "--symbol", "ETHUSDT", "--timeframe", "4h")


def test_files_that_cannot_be_imported_fail_the_command(tmp_path):
    (tmp_path / "BTCUSDT-5m.csv").write_text("time,price\n1717200000000,1\n")
    with pytest.raises(CommandError, match="1 of 1 file"):
        run(tmp_path)
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing")


@pytest.fixture
def unreadable_files(tmp_path):
    """Well-named files whose content is garbage: a command that read them first would fail on that."""
    for name in ("BTCUSDT-5m.csv", "ZZZUSDT-1h.csv", "QQQUSDT-4h.csv.gz", "notes.csv"):
        (tmp_path / name).write_bytes(b"\x00\x01 not a candle file")
    return tmp_path


@pytest.mark.parametrize(("args", "message"), [
    (("--symbol", "BTCUSDT"), "--symbol and --timeframe apply to a single file, not a directory"),
    ((), "notes.csv: name is not <SYMBOL>-<tf>.csv[.gz] with tf one of 1m, 3m, 5m"),
    ((), "unknown symbol(s): QQQUSDT, ZZZUSDT; add them in the admin, or pass --create-symbols"),
])
def test_a_directory_is_checked_whole_before_any_file_is_read(unreadable_files, args, message):
    with pytest.raises(CommandError) as refusal:
        run(unreadable_files, *args)
    assert message in str(refusal.value)
    assert not Candle.objects.exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--timeframe", "7m"), "--timeframe '7m' is not one of 1m, 3m, 5m, 15m"),
    (("--symbol", "BTC/USDT"), "--symbol 'BTC/USDT' is not an exchange symbol such as BTCUSDT"),
])
def test_bad_options_for_a_single_file_are_refused_before_reading_it(unreadable_files, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run(unreadable_files / "BTCUSDT-5m.csv", *args)
