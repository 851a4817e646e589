"""Reading candle CSV files: exact values, and every bad row rejected with its reason."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pytest

from ta.sources.csv_files import csv_candles_read, csv_name_parse

GOOD = "1717200000000,67000.1,67100,66950.5,67050,12.5\n"


def write(tmp_path: Path, body: str, name="BTCUSDT-5m.csv", header="timestamp,open,high,low,close,volume\n") -> Path:
    path = tmp_path / name
    path.write_text(header + body)
    return path


@pytest.mark.parametrize(
    ("name", "parsed"),
    [("BTCUSDT-5m.csv.gz", ("BTCUSDT", "5m")), ("1000PEPEUSDT-4h.csv", ("1000PEPEUSDT", "4h")),
     ("BTCUSDT_5m.csv", None), ("BTCUSDT-7m.csv", None), ("notes.txt", None)],
)
def test_symbol_and_timeframe_come_from_the_file_name(name, parsed):
    assert csv_name_parse(Path(name)) == parsed


def test_valid_rows_keep_their_exact_values(tmp_path):
    path = write(tmp_path, GOOD + "1717200300000,0.00000131,0.00000132,0.0000013,0.00000131,1e3\n")
    result = csv_candles_read(path, symbol="BTCUSDT", timeframe="5m")
    assert result.rejected == []
    assert [bar.close for bar in result.bars] == [Decimal("67050"), Decimal("0.00000131")]
    assert result.bars[0].open_time.isoformat() == "2024-06-01T00:00:00+00:00"


def test_bad_rows_are_rejected_with_the_reason_and_the_rest_kept(tmp_path):
    body = (
        GOOD                                                    # line 2: ok
        + GOOD                                                  # 3: duplicate
        + "1717200600000,67000,67100,66950,67050,1\n"           # 4: ok
        + "1717200300000,67000,67100,66950,67050,1\n"           # 5: out of order
        + "1717200900000,67000,66990,66950,67050,1\n"           # 6: high below close
        + "1717201200000,67000,67100,67010,67050,1\n"           # 7: low above open
        + "1717201500000,67000,67100,66950,67050,-1\n"          # 8: negative volume
        + "1717201560000,67000,67100,66950,67050,1\n"           # 9: not on a 5m boundary
        + "1717201800000,abc,67100,66950,67050,1\n"             # 10: not a number
        + "1717202100000,67000,67100,66950\n"                   # 11: missing fields
        + "1717202400000,67000,67100,66950,67050,1\n"           # 12: ok
    )
    result = csv_candles_read(write(tmp_path, body), symbol="BTCUSDT", timeframe="5m")
    assert len(result.bars) == 3
    reasons = {rejection.line: rejection.reason for rejection in result.rejected}
    assert reasons[3].startswith("duplicate timestamp")
    assert reasons[5].startswith("out of order")
    assert "high" in reasons[6] and "low" in reasons[7] and "volume" in reasons[8]
    assert "not aligned" in reasons[9] and "not a number" in reasons[10] and "fields" in reasons[11]
    assert sorted(reasons) == [3, 5, 6, 7, 8, 9, 10, 11]


def test_a_wrong_header_is_an_error_not_silent_garbage(tmp_path):
    with pytest.raises(ValueError, match="header"):
        csv_candles_read(write(tmp_path, GOOD, header="time,o,h,l,c,v\n"), symbol="BTCUSDT", timeframe="5m")


def test_gzip_files_are_read(tmp_path):
    path = tmp_path / "BTCUSDT-5m.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("timestamp,open,high,low,close,volume\n" + GOOD)
    assert len(csv_candles_read(path, symbol="BTCUSDT", timeframe="5m").bars) == 1
