"""Price files read in bulk by DuckDB's CSV reader give exactly the parser's rows, and every file the
bulk reader cannot take or whose rows break a rule goes to the parser, which accepts it or names the
problem with the same message as ever."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingestion import universe, yahoo, yahoo_batch, yahoo_fetch
from ingestion.landing import LandedFile, LandingBatch
from warehouse import raw

AUTO = "Date,Close,High,Low,Open,Volume\n2024-01-02,10.5,11,10,10.25,100\n2024-01-03,10.75,11.5,10.5,10.5,\n"
MULTI = (
    "Price,Adj Close,Close,High,Low,Open,Volume\nTicker,X,X,X,X,X,X\nDate,,,,,,\n"
    "2024-01-02,9.5,10.5,11,10,10.25,100\n2024-01-03,9.75,10.75,11.5,10.5,10.5,200\n"
)
REORDERED = (
    "Volume,Open,Date,Low,High,Close\n100,10.25,2024-01-02,10,11,10.5\n7,1e-05,2024-01-03,-1.5,2E3,3\n"
)
CLOSE_ONLY = "Date,Close\n2024-01-03,10.75\n2024-01-02,10.5\n"  # unsorted: sorted like the parser
TWO_TICKERS = (
    "Price,Close,Close,High,High,Low,Low,Open,Open,Volume,Volume\nTicker,A,B,A,B,A,B,A,B,A,B\n"
    "Date,,,,,,,,,,\n2024-01-02,1,2,1,2,1,2,1,2,5,6\n2024-01-03,1.5,,1.5,,1.5,,1.5,,5,\n"
)
START = dt.date(2000, 1, 1)


def batch_of(tmp_path: Path, texts: dict[str, bytes], captured_at: dt.datetime | None = None) -> LandingBatch:
    files = []
    for name, data in texts.items():
        path = tmp_path / "landing" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files.append(LandedFile(path=path, symbols=(path.stem,), captured_at=captured_at))
    return LandingBatch(system="yahoo", mode="snapshot", requested=(), files=files)


def bulk_and_fallback(batch: LandingBatch, home: Path) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The frame of the bulk reader + parser, the names of the files the bulk reader staged, and of
    those it left to the parser."""
    chunks = yahoo_batch.PriceChunks(batch, START, home)
    frames, staged, fallback = [], [], []
    for chunk in chunks:
        if isinstance(chunk, pd.DataFrame):
            frames.append(chunk)
        else:
            frames.append(yahoo_batch.bulk_frame(chunk, START))
            staged = [name for name, _ in chunk.staged]
            fallback = [f.path.name for f in chunk.fallback]
    frame = pd.concat(frames).sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    return frame, staged, fallback


@pytest.mark.parametrize(
    "text, newline",
    [
        (AUTO, "\n"),
        (AUTO, "\r\n"),
        ("\ufeff" + AUTO, "\n"),
        (MULTI, "\n"),
        (REORDERED, "\n"),
        (CLOSE_ONLY, "\n"),
    ],
)
def test_clean_files_of_each_dialect_load_in_bulk_with_the_parsers_rows(tmp_path, text, newline):
    batch = batch_of(tmp_path, {"X.csv": text.replace("\n", newline).encode("utf-8")})
    frame, staged, fallback = bulk_and_fallback(batch, tmp_path)
    assert (staged, fallback) == (["X.csv"], [])
    expected, _ = yahoo_batch.parse_batch(batch, START, tmp_path, bulk=False)
    pd.testing.assert_frame_equal(frame, expected)  # values, types, nulls


@pytest.mark.parametrize(
    "text",
    [
        AUTO.replace("2024-01-03,", "2024-01-03 16:00:00,"),  # a time of day
        AUTO.replace("2024-01-03,", "2024-01-03 00:00:00-05:00,"),  # a timestamp with an offset
        AUTO.replace("2024-01-03", "01/03/2024"),  # a date in another format
        AUTO.replace("2024-01-03", "2024-1-3"),  # not zero-padded
        AUTO.replace("2024-01-03", "2024-02-30"),  # no calendar day
        AUTO.replace("2024-01-03", "0000-01-03"),  # year 0
        AUTO.replace("10.75", '"10.75"'),  # a quoted number
        AUTO.replace(",100\n", ',"1,100"\n'),  # a quoted number with a thousands separator
        AUTO.replace(",100\n", ",1,100\n"),  # a thousands separator
        AUTO.replace("10.75", "null"),  # a "null" text
        AUTO.replace("10.75", "NA"),  # not a number
        AUTO.replace("10.75,", "nan,"),  # a number only Python's float() reads
        AUTO.replace("10.75,", " 10.75 ,"),  # spaces around a value
        AUTO.replace("10.75,", "1e999,"),  # out of range for a double
        AUTO.replace("10.75,", "10.75\t,"),  # a tab
        AUTO.replace(",100\n", "\n"),  # a short row
        AUTO.replace("2024-01-03", "2024-01-02"),  # a duplicated date
        AUTO.replace("2024-01-03,10.75,11.5,10.5,10.5,", "2024-01-03,,,,,"),  # a row without values
        AUTO.replace("\n2024-01-02", "\n\n2024-01-02"),  # a blank line
        "Date,Close,High,Low,Open,Volume\n",  # no data rows
        "Date,Close,Volume\n2024-01-02,1,2\n",  # an unknown header
        "",  # empty
        TWO_TICKERS,  # several tickers: the parser's
    ],
)
def test_unusual_files_go_to_the_parser_with_its_rows_or_its_message(tmp_path, text):
    batch = batch_of(tmp_path, {"X.csv": text.encode("utf-8")})
    try:
        expected, _ = yahoo_batch.parse_batch(batch, START, tmp_path, bulk=False)
    except yahoo.PriceFileError as error:
        with pytest.raises(yahoo.PriceFileError) as caught:
            bulk_and_fallback(batch, tmp_path)
        assert str(caught.value) == str(error)
    else:
        frame, staged, _ = bulk_and_fallback(batch, tmp_path)
        pd.testing.assert_frame_equal(frame, expected)
        # a blank line is skipped by both readers alike; 1e999 is read as inf by both
        if "\n\n" not in text and "1e999" not in text:
            assert staged == []


def test_invalid_utf8_goes_to_the_parser(tmp_path):
    batch = batch_of(tmp_path, {"X.csv": AUTO.encode("utf-8").replace(b"10.75", b"10.7\xff")})
    with pytest.raises(yahoo.PriceFileError, match="not UTF-8"):
        bulk_and_fallback(batch, tmp_path)


def test_bars_the_partial_rule_may_flag_go_to_the_parser(tmp_path):
    """Captured before the last bar's session ended (16:00 New York): the parser flags it, with its
    note; captured after: bulk. Without a capture time, a last volume 0 goes to the parser."""
    during = dt.datetime(2024, 1, 3, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    after = dt.datetime(2024, 1, 3, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    for captured_at, bulk in ((during, False), (after, True)):
        batch = batch_of(tmp_path / str(bulk), {"X.csv": AUTO.encode()}, captured_at)
        frame, staged, _ = bulk_and_fallback(batch, tmp_path)
        assert (staged == ["X.csv"]) is bulk
        assert frame["is_partial"].tolist() == [False, not bulk]
    zero = AUTO.replace("10.5,\n", "10.5,0\n")
    batch = batch_of(tmp_path / "zero", {"X.csv": zero.encode()})
    frame, staged, _ = bulk_and_fallback(batch, tmp_path)
    expected, notes = yahoo_batch.parse_batch(batch, START, tmp_path, bulk=False)
    assert staged == [] and notes
    pd.testing.assert_frame_equal(frame, expected)


@pytest.mark.parametrize(
    ("days", "session"),
    [
        ((dt.date(2024, 1, 2), dt.date(2024, 1, 3)), universe.DEFAULT_SESSION),
        # The day after Thanksgiving: an early close (13:00 New York; CME 12:00 Chicago).
        ((dt.date(2024, 11, 27), dt.date(2024, 11, 29)), "us_cash"),
        ((dt.date(2024, 11, 27), dt.date(2024, 11, 29)), "cme"),
    ],
)
def test_the_bulk_rule_never_contradicts_the_partial_rule(days, session):
    """``_bars_final`` says no bar can be partial only where ``_partial`` flags none."""
    session = universe.SESSIONS[session]
    path = Path("X.csv")
    ny = dt.timezone(dt.timedelta(hours=-5))
    for day in days:
        for hour in (9, 12, 13, 14, 15, 16, 17, 23):
            captured = dt.datetime.combine(days[-1], dt.time(hour), tzinfo=ny)
            for volume in (None, 0.0, 5.0):
                frame = pd.DataFrame(
                    {
                        "date": pd.to_datetime(["2024-01-01", str(day)]),
                        "volume": [5.0, volume if volume is not None else float("nan")],
                        "_line": [2, 3],
                        "_timed": [False, False],
                    }
                )
                for capture in (captured, None):
                    if yahoo_batch._bars_final(day, volume, capture, session):
                        flags, _ = yahoo._partial(path, frame, "", capture, session)
                        assert not flags.any(), (day, hour, volume, capture)


def test_a_load_through_the_bulk_reader_equals_a_load_through_the_parser(tmp_path):
    """raw.prices after a load: the same rows, types and nulls (an empty field is null either way)."""
    texts = {"A.csv": AUTO.encode(), "B.csv": MULTI.encode(), "C.csv": CLOSE_ONLY.encode()}
    batch = batch_of(tmp_path, texts)
    tables = []
    for bulk in (True, False):
        con = duckdb.connect()
        rows = yahoo_batch.PriceChunks(batch, START, tmp_path, bulk=bulk)
        raw.load(
            con,
            raw.PRICES,
            rows,
            raw.Delivery(
                source="snapshot",
                synthetic=False,
                requested=["A", "B", "C"],
                landing_files=[],
                start_date=START,
            ),
        )
        tables.append(con.execute("select * exclude (loaded_at) from raw.prices order by symbol, date").df())
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert tables[0]["volume"].isna().sum() == 1 + 2  # A's empty volume, C's close-only rows


def test_every_snapshot_file_loads_the_same_through_both_paths(snapshot_dir: Path, tmp_path: Path):
    """Every real file: the same rows through the bulk reader as through the parser, and the parser
    reads exactly the files whose latest bar it flags partial (computed by the parser itself)."""
    symbols = sorted(p.stem for p in (snapshot_dir / "yahoo").glob("*.csv"))
    assert symbols
    batch = yahoo_fetch.land_snapshot(snapshot_dir, symbols, tmp_path / "landing")
    frame, staged, fallback = bulk_and_fallback(batch, tmp_path)
    expected, _ = yahoo_batch.parse_batch(batch, START, tmp_path, bulk=False)
    pd.testing.assert_frame_equal(frame, expected)
    sessions = universe.instrument_sessions()
    flagged = sorted(
        f.path.name
        for f in batch.files
        if yahoo.parse_price_file(
            f.path, symbol=f.symbols[0], captured_at=f.captured_at, sessions=sessions
        ).partial
    )
    assert sorted(fallback) == flagged
    assert len(staged) + len(fallback) == len(batch.files)
