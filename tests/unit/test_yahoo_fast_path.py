"""The price parser's fast path (pandas' C reader) gives exactly what the row-by-row path gives, and
leaves every unusual file to the row-by-row path, which accepts it or names the problem."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingestion import yahoo

AUTO = "Date,Close,High,Low,Open,Volume\n2024-01-02,10.5,11,10,10.25,100\n2024-01-03,10.75,11.5,10.5,10.5,\n"
MULTI = (
    "Price,Adj Close,Close,High,Low,Open,Volume\nTicker,X,X,X,X,X,X\nDate,,,,,,\n"
    "2024-01-02,9.5,10.5,11,10,10.25,100\n2024-01-03,9.75,10.75,11.5,10.5,10.5,200\n"
)
TWO_TICKERS = (
    "Price,Close,Close,High,High,Low,Low,Open,Open,Volume,Volume\nTicker,A,B,A,B,A,B,A,B,A,B\n"
    "Date,,,,,,,,,,\n2024-01-02,1,2,1,2,1,2,1,2,5,6\n2024-01-03,1.5,,1.5,,1.5,,1.5,,5,\n"
)
CLOSE_ONLY = "Date,Close\n2024-01-03,10.75\n2024-01-02,10.5\n"  # unsorted: sorted like the slow path


def both_paths(path: Path) -> tuple[yahoo._Columns | None, yahoo.ParsedPrices, yahoo.ParsedPrices]:
    text = yahoo._read_text(path)
    fast = yahoo._fast_columns(path, text, min_rows=0)  # handmade files are small: force the fast path
    checked = yahoo._long_rows(path, yahoo._checked_columns(path, text), None, None)
    parsed = yahoo.parse_price_file(path)
    return fast, checked, parsed


@pytest.mark.parametrize(
    "text, newline",
    [
        (AUTO, "\n"),
        (AUTO, "\r\n"),
        ("\ufeff" + AUTO, "\n"),
        (MULTI, "\n"),
        (TWO_TICKERS, "\n"),
        (CLOSE_ONLY, "\n"),
    ],
)
def test_ordinary_files_take_the_fast_path_with_identical_rows(tmp_path, text, newline):
    path = tmp_path / "X.csv"
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    fast, checked, parsed = both_paths(path)
    assert fast is not None, "an ordinary file should take the fast path"
    pd.testing.assert_frame_equal(yahoo._long_rows(path, fast, None, None).frame, checked.frame)
    pd.testing.assert_frame_equal(parsed.frame, checked.frame)


@pytest.mark.parametrize(
    "text",
    [
        AUTO.replace("2024-01-03", "\n2024-01-03"),  # a blank line: line numbers would shift
        AUTO.replace("2024-01-03,", "2024-01-03 16:00:00,"),  # a time of day
        AUTO.replace("10.75", '"10.75"'),  # a quoted field
        AUTO.replace("10.75", "NA"),  # not a number (pandas would read NaN)
        AUTO.replace("10.75,", "nan,"),  # a number only Python's float() reads
        AUTO.replace(",100\n", "\n"),  # a short row
        AUTO.replace("2024-01-03", "2024-01-02"),  # a duplicated date
        AUTO.replace("2024-01-03", "2024-1-3"),  # not zero-padded
    ],
)
def test_unusual_files_go_row_by_row(tmp_path, text):
    path = tmp_path / "X.csv"
    path.write_text(text, encoding="utf-8")
    assert yahoo._fast_columns(path, yahoo._read_text(path), min_rows=0) is None
    try:
        expected = yahoo._long_rows(path, yahoo._checked_columns(path, yahoo._read_text(path)), None, None)
    except yahoo.PriceFileError as error:
        with pytest.raises(yahoo.PriceFileError) as caught:
            yahoo.parse_price_file(path)
        assert str(caught.value) == str(error)
    else:
        pd.testing.assert_frame_equal(yahoo.parse_price_file(path).frame, expected.frame)


def test_small_files_go_row_by_row_and_long_ones_take_the_fast_path(tmp_path):
    days = pd.bdate_range("2020-01-01", periods=yahoo.SMALL_FILE_ROWS + 10).strftime("%Y-%m-%d")
    rows = "".join(f"{d},10.5,11,10,10.25,100\n" for d in days)
    long_file = tmp_path / "LONG.csv"
    long_file.write_text("Date,Close,High,Low,Open,Volume\n" + rows, encoding="utf-8")
    small_file = tmp_path / "SMALL.csv"
    small_file.write_text(AUTO, encoding="utf-8")
    assert yahoo._fast_columns(long_file, yahoo._read_text(long_file)) is not None
    assert yahoo._fast_columns(small_file, yahoo._read_text(small_file)) is None


def test_every_snapshot_file_parses_the_same_on_both_paths(snapshot_dir: Path):
    files = sorted((snapshot_dir / "yahoo").glob("*.csv"))
    assert files
    fast_ones = 0
    for path in files:
        fast, checked, parsed = both_paths(path)
        if fast is not None:  # (forced: min_rows=0)
            fast_ones += 1
            pd.testing.assert_frame_equal(yahoo._long_rows(path, fast, None, None).frame, checked.frame)
        pd.testing.assert_frame_equal(parsed.frame, checked.frame)
        assert parsed.dropped == checked.dropped
    assert fast_ones == len(files), "every real file is ordinary: all should take the fast path"
