"""Kenneth French daily factors: hand-written files (both dialects, missing markers, errors, zips), batches,
the snapshot landing, the live download with a fake ``get`` (retries, 404, non-zip answers,
unreachable), the synthetic sample file and the real snapshot file (skipped when absent)."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from ingestion.downloads import OFFLINE_HINT
from ingestion.french import (
    FRENCH_DAILY_URL,
    FRENCH_FACTORS,
    FactorFileError,
    UpstreamUnavailableError,
    fetch_live_french,
    land_snapshot_french,
    parse_french_batch,
    parse_french_file,
)
from ingestion.landing import LandedFile, LandingBatch, UpstreamFileError, land_bytes
from ingestion.sample import SAMPLE_FRENCH_FILE, SampleWorld, build_world, index_levels, land_sample_french
from tests.conftest import snapshot_path

REAL_NAME = "F-F_Research_Data_Factors_daily.CSV"
ZIP_NAME = "F-F_Research_Data_Factors_daily_CSV.zip"

SNAPSHOT_TEXT = """\
,Mkt-RF,SMB,HML,RF
20240712,    0.62,    0.61,    0.70,   0.021
20240715,    0.38,    0.96,    0.59,   0.021
20240716,    0.83,    2.35,    1.37,   0.021
"""

LIVE_TEXT = """\
This file was created by CMPT_ME_BEME_RETS_DAILY using the 202412 CRSP database.
The Tbill return is the simple daily rate that, over the number of trading days
in the month, compounds to 1-month TBill rate from Ibbotson and Associates Inc.

 , Mkt-RF , SMB , HML , RF
20240712,    0.62,    0.61,    0.70,   0.021
20240715,    0.38,    0.96,    0.59,   0.021
20240716,    0.83,    2.35,    1.37,   0.021

 Copyright 2024 Kenneth R. French
"""


def write(tmp_path: Path, name: str, text: str, newline: str = "\n", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8"))
    return path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def wide(frame: pd.DataFrame) -> pd.DataFrame:
    """date x factor values (columns in FRENCH_FACTORS order)."""
    return frame.pivot(index="date", columns="factor", values="value").loc[:, list(FRENCH_FACTORS)]


def at(frame: pd.DataFrame, factor: str, day: str) -> float:
    rows = frame[(frame["factor"] == factor) & (frame["date"] == pd.Timestamp(day))]
    assert len(rows) == 1, (factor, day)
    return float(rows["value"].iloc[0])


def error_of(path: Path) -> FactorFileError:
    with pytest.raises(FactorFileError) as info:
        parse_french_file(path)
    assert isinstance(info.value, UpstreamFileError)
    assert path.name in str(info.value)
    assert info.value.path == path
    return info.value


def check_three_days(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["factor", "date", "value"]
    assert str(frame["factor"].dtype) == "str"
    assert frame["date"].dtype == "datetime64[us]" and frame["value"].dtype == "float64"
    assert frame["factor"].tolist() == [f for f in sorted(FRENCH_FACTORS) for _ in range(3)]
    assert [f"{d:%Y-%m-%d}" for d in frame["date"]] == ["2024-07-12", "2024-07-15", "2024-07-16"] * 4
    assert wide(frame).to_numpy().tolist() == [
        [0.62, 0.61, 0.70, 0.021],
        [0.38, 0.96, 0.59, 0.021],
        [0.83, 2.35, 1.37, 0.021],
    ]


# --- dialects --------------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("text", [SNAPSHOT_TEXT, LIVE_TEXT], ids=["snapshot", "live"])
def test_both_dialects_with_crlf_and_bom(tmp_path: Path, text: str, newline: str, bom: bool) -> None:
    check_three_days(parse_french_file(write(tmp_path, REAL_NAME, text, newline, bom)))


def test_lower_case_suffix_and_no_final_newline(tmp_path: Path) -> None:
    check_three_days(parse_french_file(write(tmp_path, "factors.csv", SNAPSHOT_TEXT.rstrip("\n"))))


def test_header_columns_in_another_order_are_mapped_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, REAL_NAME, ",RF,HML,SMB,Mkt-RF\n20240716,0.021,1.37,2.35,0.83\n")
    assert wide(parse_french_file(path)).to_numpy().tolist() == [[0.83, 2.35, 1.37, 0.021]]


def test_missing_markers_become_nan(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        REAL_NAME,
        ",Mkt-RF,SMB,HML,RF\n"
        "19260701,  -99.99,   -0.25,    -999,   0.009\n"
        "19260702,    0.45,  -99.990, -999.00,   0.009\n"
        "19260706,  -99.98,   -9.99,   -0.39,  -0.001\n",
    )
    frame = parse_french_file(path)
    assert len(frame) == 12
    assert math.isnan(at(frame, "Mkt-RF", "1926-07-01")) and math.isnan(at(frame, "HML", "1926-07-01"))
    assert math.isnan(at(frame, "SMB", "1926-07-02")) and math.isnan(at(frame, "HML", "1926-07-02"))
    assert at(frame, "Mkt-RF", "1926-07-06") == -99.98  # only the markers, not every negative number
    assert at(frame, "SMB", "1926-07-06") == -9.99 and at(frame, "RF", "1926-07-06") == -0.001
    assert int(frame["value"].isna().sum()) == 4


def test_footer_ends_the_data_and_text_after_it_is_ignored(tmp_path: Path) -> None:
    text = LIVE_TEXT + "\nSome later remark, with a comma\n"
    check_three_days(parse_french_file(write(tmp_path, REAL_NAME, text)))


def test_data_after_the_footer_is_an_error(tmp_path: Path) -> None:
    text = LIVE_TEXT + "20240717,    0.10,    0.20,    0.30,   0.021\n"
    error = error_of(write(tmp_path, REAL_NAME, text))
    assert error.line == 11
    assert "after the copyright footer on line 10" in error.problem and "20240717" in error.problem


# --- errors ------------------------------------------------------------------------------------------


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / REAL_NAME
    path.write_bytes(b",Mkt-RF,SMB,HML,RF\n19260701,0.10,-0.25,-0.27,0.009\n\xff\xfe\n")
    error = error_of(path)
    assert error.line == 3 and "not UTF-8" in error.problem


@pytest.mark.parametrize("content", [b"", b"\n\r\n  \n"], ids=["zero-bytes", "blank-lines"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / REAL_NAME
    path.write_bytes(content)
    error = error_of(path)
    assert error.line == 1 and "empty file" in error.problem and ",Mkt-RF,SMB,HML,RF" in error.problem
    assert f"{REAL_NAME} line 1: empty file" in str(error)


def test_no_header_in_free_text(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, REAL_NAME, "Just a description.\nAnd another, longer one.\n"))
    assert error.line == 1
    assert "no header line with the factors Mkt-RF, SMB, HML, RF found" in error.problem
    assert "'Just a description.'" in error.problem


def test_data_before_the_header(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, REAL_NAME, "A description\n19260701, 0.10, -0.25, -0.27, 0.009\n"))
    assert error.line == 2
    assert "data row before any header line" in error.problem and "19260701" in error.problem


@pytest.mark.parametrize(
    "header", [",Mkt-RF,SMB,HML", ",Mkt-RF,SMB,HML,RF,WML", ",Mkt-RF,SMB,SMB,RF", ",Mkt,SMB,HML,RF"]
)
def test_wrong_header(tmp_path: Path, header: str) -> None:
    error = error_of(write(tmp_path, REAL_NAME, f"Description line\n\n{header}\n19260701,1,2,3,4\n"))
    assert error.line == 3
    assert "unknown header" in error.problem and ",Mkt-RF,SMB,HML,RF" in error.problem
    assert repr(header) in error.problem


ROW_ERRORS = [
    # (data row, expected fragments)
    ("1926-07-01,    0.10,   -0.25,   -0.27,   0.009", ["unparseable date '1926-07-01'", "YYYYMMDD"]),
    ("1926071,    0.10,   -0.25,   -0.27,   0.009", ["unparseable date '1926071'", "YYYYMMDD"]),
    ("19260230,    0.10,   -0.25,   -0.27,   0.009", ["unparseable date '19260230'", "day is out of range"]),
    ("19261301,    0.10,   -0.25,   -0.27,   0.009", ["unparseable date '19261301'", "month must be"]),
    ("19260701,    0.10,   -0.2x,   -0.27,   0.009", ["SMB: expected a number", "'-0.2x'"]),
    ("19260701,    0.10,   -0.25,        ,   0.009", ["HML: expected a number", "got ''"]),
    ("19260701,    0.10,   -0.25,   -0.27,     n/a", ["RF: expected a number", "'n/a'"]),
    ("19260701,    0.10,   -0.25,   -0.27", ["expected 5 fields", "got 4", "header on line 1"]),
    ("19260701,    0.10,   -0.25,   -0.27,   0.009,  1.00", ["expected 5 fields", "got 6"]),
    ("Annual Factors: January-December", ["expected 5 fields", "got 1", "Annual Factors"]),
]


@pytest.mark.parametrize(("row", "fragments"), ROW_ERRORS, ids=[r[0][:24] for r in ROW_ERRORS])
def test_bad_rows_name_line_and_value(tmp_path: Path, row: str, fragments: list[str]) -> None:
    text = f",Mkt-RF,SMB,HML,RF\r\n19260630,    0.10,   -0.25,   -0.27,   0.009\r\n{row}\r\n"
    error = error_of(write(tmp_path, REAL_NAME, text))
    assert error.line == 3
    for fragment in fragments:
        assert fragment in error.problem, (fragment, error.problem)
    assert str(error).startswith(f"{REAL_NAME} line 3: ")


def test_bad_row_line_counts_description_and_blank_lines(tmp_path: Path) -> None:
    text = LIVE_TEXT.replace("20240715,    0.38", "20240715,    0.3.8")
    error = error_of(write(tmp_path, REAL_NAME, text, newline="\r\n", bom=True))
    assert error.line == 7 and "Mkt-RF: expected a number" in error.problem and "'0.3.8'" in error.problem


def test_duplicate_dates(tmp_path: Path) -> None:
    text = SNAPSHOT_TEXT + "20240716,    0.10,    0.20,    0.30,   0.021\n"
    error = error_of(write(tmp_path, REAL_NAME, text))
    assert error.line == 5 and "duplicate date 20240716 on lines 4 and 5" in error.problem


def test_dates_not_increasing(tmp_path: Path) -> None:
    text = SNAPSHOT_TEXT + "20240713,    0.10,    0.20,    0.30,   0.021\n"
    error = error_of(write(tmp_path, REAL_NAME, text))
    assert error.line == 5
    assert "dates not increasing" in error.problem
    assert "after 20240716 (line 4)" in error.problem and "got 20240713" in error.problem


@pytest.mark.parametrize("tail", ["", "\n Copyright 2024 Kenneth R. French\n"], ids=["eof", "footer"])
def test_header_without_rows(tmp_path: Path, tail: str) -> None:
    error = error_of(write(tmp_path, REAL_NAME, "Description\n,Mkt-RF,SMB,HML,RF\n" + tail))
    assert error.line == 3 and "no data rows" in error.problem


# --- zips --------------------------------------------------------------------------------------------


def test_zip_holding_one_csv(tmp_path: Path) -> None:
    path = tmp_path / ZIP_NAME
    path.write_bytes(zip_bytes({REAL_NAME: LIVE_TEXT.replace("\n", "\r\n").encode()}))
    check_three_days(parse_french_file(path))


def test_zip_is_detected_by_content_too(tmp_path: Path) -> None:
    path = tmp_path / "download.bin"
    path.write_bytes(zip_bytes({REAL_NAME: SNAPSHOT_TEXT.encode()}))
    check_three_days(parse_french_file(path))


@pytest.mark.parametrize(
    "members",
    [{}, {"README.txt": b"hello"}, {"a.CSV": SNAPSHOT_TEXT.encode(), "b.csv": SNAPSHOT_TEXT.encode()}],
    ids=["empty", "no-csv", "two-csv"],
)
def test_zip_without_exactly_one_csv(tmp_path: Path, members: dict[str, bytes]) -> None:
    path = tmp_path / ZIP_NAME
    path.write_bytes(zip_bytes(members))
    error = error_of(path)
    assert error.line is None
    assert "expected a zip archive holding one CSV file" in error.problem
    assert str(error).startswith(f"{ZIP_NAME}: ")
    for name in members:
        assert name in error.problem


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / ZIP_NAME
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "not a readable zip archive" in error_of(path).problem


def test_error_inside_a_zip_names_the_zip_the_member_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / ZIP_NAME
    path.write_bytes(zip_bytes({REAL_NAME: (SNAPSHOT_TEXT + "2024-07-17,1,2,3,4\n").encode()}))
    error = error_of(path)
    assert error.line == 5
    assert str(error).startswith(
        f"{ZIP_NAME} line 5: {REAL_NAME} (in the zip): unparseable date '2024-07-17'"
    )


# --- batches -----------------------------------------------------------------------------------------


def landed(tmp_path: Path, name: str, text: str, mode: str = "snapshot") -> LandedFile:
    path = land_bytes(text.encode(), tmp_path / "landing", "french", mode, name)
    return LandedFile(path=path, symbols=FRENCH_FACTORS)


def batch_of(*files: LandedFile) -> LandingBatch:
    return LandingBatch(system="french", mode="snapshot", requested=FRENCH_FACTORS, files=list(files))


def test_batch_filters_on_start_date_and_notes_missing_markers(tmp_path: Path) -> None:
    text = SNAPSHOT_TEXT.replace("20240715,    0.38,    0.96", "20240715,  -99.99,    -999")
    text = text.replace("20240712,    0.62", "20240712,  -99.99")  # before the start date: no note
    frame, notes = parse_french_batch(
        batch_of(landed(tmp_path, REAL_NAME, text)), dt.date(2024, 7, 15), tmp_path
    )
    assert list(frame.columns) == ["factor", "date", "value", "landing_file"]
    assert len(frame) == 8 and frame["date"].min() == pd.Timestamp("2024-07-15")
    assert frame["landing_file"].str.match(r"landing/french/snapshot/[0-9a-f]{16}/" + REAL_NAME).all()
    assert str(frame["landing_file"].dtype) == "str"
    assert math.isnan(at(frame, "Mkt-RF", "2024-07-15")) and math.isnan(at(frame, "SMB", "2024-07-15"))
    assert at(frame, "SMB", "2024-07-16") == 2.35
    assert notes == [
        f"{REAL_NAME}: 2 of 8 value(s) are missing markers (-99.99 or -999 upstream, kept as NaN): "
        "Mkt-RF 1 (2024-07-15..2024-07-15); SMB 1 (2024-07-15..2024-07-15)"
    ]


def test_batch_of_two_files_without_overlap(tmp_path: Path) -> None:
    older = ",Mkt-RF,SMB,HML,RF\n20240711,   -0.88,    3.86,    1.20,   0.021\n"
    frame, notes = parse_french_batch(
        batch_of(landed(tmp_path, REAL_NAME, SNAPSHOT_TEXT), landed(tmp_path, "older.csv", older)),
        dt.date(2024, 1, 1),
        tmp_path,
    )
    assert notes == [] and len(frame) == 16
    assert frame["factor"].is_monotonic_increasing
    assert at(frame, "SMB", "2024-07-11") == 3.86
    assert (
        frame.loc[frame["date"] == pd.Timestamp("2024-07-11"), "landing_file"].str.endswith("older.csv").all()
    )


def test_same_factor_and_date_from_two_files_is_an_error(tmp_path: Path) -> None:
    first = landed(tmp_path, REAL_NAME, SNAPSHOT_TEXT)
    second = landed(tmp_path, "other.csv", ",Mkt-RF,SMB,HML,RF\n20240716,0.83,2.35,1.37,0.021\n")
    with pytest.raises(FactorFileError) as info:
        parse_french_batch(batch_of(first, second), dt.date(2024, 1, 1), tmp_path)
    message = str(info.value)
    assert "2024-07-16" in message
    assert (
        str(first.path.relative_to(tmp_path)) in message and str(second.path.relative_to(tmp_path)) in message
    )


def test_empty_batch(tmp_path: Path) -> None:
    frame, notes = parse_french_batch(batch_of(), dt.date(2024, 1, 1), tmp_path)
    assert frame.empty and notes == []
    assert list(frame.columns) == ["factor", "date", "value", "landing_file"]


# --- snapshot landing --------------------------------------------------------------------------------


def test_land_snapshot_copies_csv_files_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "snap" / "french"
    folder.mkdir(parents=True)
    real = write(folder, REAL_NAME, SNAPSHOT_TEXT, newline="\r\n")
    (folder / "notes.txt").write_text("not a factors file")
    batch = land_snapshot_french(tmp_path / "snap", tmp_path / "landing")
    assert (batch.system, batch.mode, batch.requested) == ("french", "snapshot", FRENCH_FACTORS)
    assert batch.missing == [] and batch.notes == [] and not batch.synthetic
    assert len(batch.files) == 1
    assert batch.files[0].path.name == REAL_NAME and batch.files[0].symbols == FRENCH_FACTORS
    assert batch.files[0].path.is_relative_to(tmp_path / "landing" / "french" / "snapshot")
    assert batch.files[0].path.read_bytes() == real.read_bytes()
    check_three_days(parse_french_batch(batch, dt.date(2000, 1, 1), tmp_path)[0].drop(columns="landing_file"))


def test_land_snapshot_lower_case_suffix(tmp_path: Path) -> None:
    folder = tmp_path / "snap" / "french"
    folder.mkdir(parents=True)
    write(folder, "factors.csv", SNAPSHOT_TEXT)
    batch = land_snapshot_french(tmp_path / "snap", tmp_path / "landing")
    assert [f.path.name for f in batch.files] == ["factors.csv"]


@pytest.mark.parametrize("make_folder", [False, True], ids=["no-folder", "empty-folder"])
def test_land_snapshot_without_a_file_reports_every_factor_missing(tmp_path: Path, make_folder: bool) -> None:
    (tmp_path / "snap" / "fred").mkdir(parents=True)
    if make_folder:
        (tmp_path / "snap" / "french").mkdir()
    batch = land_snapshot_french(tmp_path / "snap", tmp_path / "landing")
    assert batch.files == [] and batch.missing == list(FRENCH_FACTORS)
    assert len(batch.notes) == 1
    assert batch.notes[0].startswith("not in snapshot: Mkt-RF, SMB, HML, RF (")
    assert "french/F-F_Research_Data_Factors_daily.CSV" in batch.notes[0]
    assert ("no french/ folder" in batch.notes[0]) != make_folder
    assert not (tmp_path / "landing").exists()


def test_land_snapshot_without_the_snapshot_dir_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="ROTATION_SNAPSHOT_DIR=.*does not exist"):
        land_snapshot_french(tmp_path / "nowhere", tmp_path / "landing")


# --- live download with a fake get --------------------------------------------------------------------


class Response:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content
        self.text = content.decode("utf-8", errors="replace")


class FakeGet:
    """Answers with the next scripted response (Response or exception; the last one repeats)."""

    def __init__(self, *script: Response | BaseException) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, Any, float]] = []

    def __call__(self, url: str, *, params: Any, timeout: float) -> Response:
        self.calls.append((url, params, timeout))
        response = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(response, BaseException):
            raise response
        return response


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


LIVE_ZIP = zip_bytes({REAL_NAME: LIVE_TEXT.replace("\n", "\r\n").encode()})


def test_live_round_trip_through_landing(tmp_path: Path) -> None:
    get, sleeps = FakeGet(Response(200, LIVE_ZIP)), Sleeps()
    before = dt.datetime.now(dt.UTC)
    batch = fetch_live_french(tmp_path / "landing", get=get, sleep=sleeps, timeout=12.5)
    assert get.calls == [(FRENCH_DAILY_URL, None, 12.5)] and sleeps == []
    assert (batch.system, batch.mode, batch.requested) == ("french", "live", FRENCH_FACTORS)
    assert batch.missing == [] and batch.notes == [] and not batch.synthetic
    [landed_file] = batch.files
    assert landed_file.path.name == ZIP_NAME and landed_file.symbols == FRENCH_FACTORS
    assert landed_file.path.is_relative_to(tmp_path / "landing" / "french" / "live")
    assert landed_file.path.read_bytes() == LIVE_ZIP  # byte for byte
    assert landed_file.captured_at is not None and before <= landed_file.captured_at <= dt.datetime.now(
        dt.UTC
    )

    frame, notes = parse_french_batch(batch, dt.date(2024, 7, 15), home=tmp_path)
    assert notes == [] and len(frame) == 8
    assert at(frame, "SMB", "2024-07-16") == 2.35 and at(frame, "RF", "2024-07-15") == 0.021
    assert frame["landing_file"].str.startswith("landing/french/live/").all()


def test_live_default_url_is_the_librarys_zip() -> None:
    assert FRENCH_DAILY_URL == (
        "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/F-F_Research_Data_Factors_daily_CSV.zip"
    )


def test_live_503_is_retried_with_backoff(tmp_path: Path) -> None:
    get, sleeps = FakeGet(Response(503, b"busy"), Response(200, LIVE_ZIP)), Sleeps()
    batch = fetch_live_french(tmp_path / "landing", get=get, sleep=sleeps, base_delay=0.5)
    assert len(get.calls) == 2 and sleeps == [0.5]
    assert batch.missing == [] and [f.path.read_bytes() for f in batch.files] == [LIVE_ZIP]


def test_live_unreachable_raises(tmp_path: Path) -> None:
    get, sleeps = FakeGet(requests.ConnectionError("connection refused")), Sleeps()
    with pytest.raises(UpstreamUnavailableError) as info:
        fetch_live_french(tmp_path / "landing", get=get, sleep=sleeps, max_attempts=3)
    message = str(info.value)
    assert "Kenneth French data library" in message and "after 3 attempts" in message
    assert "ConnectionError: connection refused" in message and OFFLINE_HINT in message
    assert len(get.calls) == 3 and sleeps == [2.0, 4.0]
    assert not (tmp_path / "landing").exists()


def test_live_always_503_raises_naming_the_status(tmp_path: Path) -> None:
    get = FakeGet(Response(503, b""))
    with pytest.raises(UpstreamUnavailableError, match="last error: HTTP 503"):
        fetch_live_french(tmp_path / "landing", get=get, sleep=Sleeps())
    assert len(get.calls) == 4


def test_live_404_is_missing_without_retry(tmp_path: Path) -> None:
    get, sleeps = FakeGet(Response(404, b"Not Found")), Sleeps()
    batch = fetch_live_french(tmp_path / "landing", get=get, sleep=sleeps)
    assert len(get.calls) == 1 and sleeps == []
    assert batch.files == [] and batch.missing == list(FRENCH_FACTORS)
    assert len(batch.notes) == 1 and "HTTP 404" in batch.notes[0] and "not retried" in batch.notes[0]
    assert "Kenneth French data library" in batch.notes[0] and ZIP_NAME in batch.notes[0]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            b"<!DOCTYPE html>\n<html><body>Maintenance</body></html>",
            "not a zip archive; body starts b'<!DOCTYPE html>",
        ),
        (zip_bytes({"README.txt": b"moved"}), "holding ['README.txt'], not one CSV file"),
    ],
    ids=["html", "zip-without-csv"],
)
def test_live_200_that_is_not_the_zip_is_missing(tmp_path: Path, body: bytes, fragment: str) -> None:
    batch = fetch_live_french(tmp_path / "landing", get=FakeGet(Response(200, body)), sleep=Sleeps())
    assert batch.files == [] and batch.missing == list(FRENCH_FACTORS)
    assert len(batch.notes) == 1 and "HTTP 200 but" in batch.notes[0] and fragment in batch.notes[0]
    assert not (tmp_path / "landing").exists()


def test_live_other_errors_are_not_retried(tmp_path: Path) -> None:
    get, sleeps = FakeGet(requests.exceptions.InvalidURL("bad url")), Sleeps()
    with pytest.raises(requests.exceptions.InvalidURL):
        fetch_live_french(tmp_path / "landing", get=get, sleep=sleeps)
    assert len(get.calls) == 1 and sleeps == []


def test_live_argument_checks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_attempts must be >= 1"):
        fetch_live_french(tmp_path / "landing", get=FakeGet(Response(200, LIVE_ZIP)), max_attempts=0)


# --- sample file ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> SampleWorld:
    return build_world()


@pytest.fixture(scope="module")
def sample(world: SampleWorld, tmp_path_factory: pytest.TempPathFactory) -> tuple[LandingBatch, Path]:
    home = tmp_path_factory.mktemp("sample_home")
    return land_sample_french(home / "landing", world), home


@pytest.fixture(scope="module")
def sample_wide(sample: tuple[LandingBatch, Path]) -> pd.DataFrame:
    batch, home = sample
    frame, notes = parse_french_batch(batch, dt.date(1900, 1, 1), home)
    assert notes == []
    return wide(frame)


def test_sample_batch(sample: tuple[LandingBatch, Path], world: SampleWorld) -> None:
    batch, home = sample
    assert (batch.system, batch.mode, batch.synthetic) == ("french", "sample", True)
    assert batch.requested == FRENCH_FACTORS and batch.missing == []
    assert batch.notes == [f"synthetic sample data (seed {world.seed}): not market data"]
    [landed_file] = batch.files
    assert landed_file.path.name == SAMPLE_FRENCH_FILE == REAL_NAME
    assert landed_file.symbols == FRENCH_FACTORS
    assert landed_file.path.is_relative_to(home / "landing" / "french" / "sample")


def test_sample_is_in_the_live_dialect(sample: tuple[LandingBatch, Path]) -> None:
    content = sample[0].files[0].path.read_bytes()
    lines = content.decode("ascii").split("\r\n")
    assert "\n" not in content.decode("ascii").replace("\r\n", "")  # CRLF only
    header = lines.index(",Mkt-RF,SMB,HML,RF")
    assert 2 <= header <= 4 and all(lines[:2])  # description lines first
    assert lines[-3:] == ["", " Copyright synthetic sample, not the Kenneth French data library", ""]
    assert lines[header + 1].startswith("20000103,")
    first_row = lines[header + 1].split(",")
    assert [len(cell) for cell in first_row[1:]] == [8, 8, 8, 8]  # right-aligned like the real file


def test_sample_bytes_are_deterministic(sample: tuple[LandingBatch, Path], tmp_path: Path) -> None:
    again = land_sample_french(tmp_path / "landing")  # a fresh world
    assert again.files[0].path.read_bytes() == sample[0].files[0].path.read_bytes()
    assert again.files[0].path.relative_to(tmp_path) == sample[0].files[0].path.relative_to(sample[1])


def test_sample_covers_the_worlds_trading_days(sample_wide: pd.DataFrame, world: SampleWorld) -> None:
    assert sample_wide.index.equals(pd.DatetimeIndex(world.dates).as_unit("us").rename("date"))
    assert not sample_wide.isna().any().any()


def test_sample_rf_is_the_short_rate_per_trading_day(sample_wide: pd.DataFrame, world: SampleWorld) -> None:
    # three decimals as written (the half-way cases round either way in binary, so no exact .round(3))
    assert np.abs(sample_wide["RF"].to_numpy() - world.short_rate.to_numpy() / 252).max() <= 0.0005 + 1e-9
    assert sample_wide.loc["2024-07-16", "RF"] == 0.021  # like the real file that day
    assert sample_wide["RF"].between(0, 0.03).all()


def test_sample_market_is_the_sp500_return_minus_rf(sample_wide: pd.DataFrame, world: SampleWorld) -> None:
    spx = index_levels(world)["^GSPC"].pct_change().fillna(0.0).to_numpy() * 100
    mkt = (sample_wide["Mkt-RF"] + sample_wide["RF"]).to_numpy()
    assert np.abs(mkt - spx).max() < 0.0051 + 0.0006  # rounding of both columns
    assert 0.7 < sample_wide["Mkt-RF"].std() < 1.6  # percent per day, like 2000-2024


def test_sample_smb_follows_small_minus_large(sample_wide: pd.DataFrame, world: SampleWorld) -> None:
    returns = index_levels(world).pct_change().fillna(0.0) * 100
    small_minus_large = (returns["^RUT"] - returns["^GSPC"]).to_numpy()
    smb = sample_wide["SMB"].to_numpy()
    assert np.corrcoef(smb, small_minus_large)[0, 1] > 0.8
    assert 0.3 < smb.std() < 1.0
    july = sample_wide.loc["2024-07-11":"2024-07-16", "SMB"]
    assert july.sum() > 5  # the scripted July 2024 small-cap rotation
    hml = sample_wide["HML"]
    assert 0.2 < hml.std() < 0.6 and abs(np.corrcoef(hml, smb)[0, 1]) < 0.1


# --- the real snapshot file ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_file() -> Path:
    path = snapshot_path() / "french" / REAL_NAME
    if not path.is_file():
        pytest.skip(
            f"real French factors file not found at {path} (set ROTATION_SNAPSHOT_DIR to a directory laid "
            "out like ../shared/data/snapshot)"
        )
    return path


def plain_read(path: Path) -> pd.DataFrame:
    """The file read the obvious pandas way (SOURCES.md), independent of the parser: date x factor."""
    frame = pd.read_csv(path, index_col=0, skipinitialspace=True, float_precision="round_trip")
    frame.index = pd.to_datetime(frame.index.astype(str), format="%Y%m%d")
    return frame


def test_real_file_matches_a_plain_pandas_read(real_file: Path) -> None:
    frame = parse_french_file(real_file)
    values = wide(frame)
    assert len(values) == 25_901 and len(frame) == 4 * 25_901
    assert values.index.min() == pd.Timestamp("1926-07-01")
    assert values.index.max() == pd.Timestamp("2024-12-31")
    expected = plain_read(real_file)
    assert list(expected.columns) == list(FRENCH_FACTORS)
    assert values.index.equals(expected.index.as_unit("us").rename("date"))
    for factor in FRENCH_FACTORS:
        assert values[factor].to_numpy().tolist() == expected[factor].to_numpy().tolist(), factor
    # Verification values published in shared/data/SOURCES.md.
    assert at(frame, "SMB", "2024-07-16") == 2.35 and at(frame, "RF", "2024-07-16") == 0.021


def test_real_file_through_snapshot_landing(real_file: Path, tmp_path: Path) -> None:
    batch = land_snapshot_french(real_file.parent.parent, tmp_path / "landing")
    assert batch.missing == [] and [f.path.name for f in batch.files] == [REAL_NAME]
    assert batch.files[0].path.read_bytes() == real_file.read_bytes()
    frame, notes = parse_french_batch(batch, dt.date(2024, 1, 1), tmp_path)
    assert notes == []
    assert frame["date"].min() == pd.Timestamp("2024-01-02") and len(frame) == 4 * 252
