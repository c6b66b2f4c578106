"""Kenneth French daily factors: hand-written files (both dialects, the three library files recognised by
their headers, missing markers, errors, zips), batches (each factor from its home file, unknown layouts
skipped), the snapshot landing, the live download with a fake ``get`` (retries, 404, non-zip answers,
unreachable), the synthetic sample files and the real snapshot files (skipped when absent)."""

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
    FIVE_FACTORS,
    FRENCH_FACTORS,
    LIBRARY_FILES,
    MOMENTUM,
    THREE_FACTORS,
    FactorFileError,
    UnknownLayoutError,
    parse_french_batch,
    parse_french_file,
    read_french_file,
)
from ingestion.french_fetch import fetch_live_french, land_snapshot_french, library_url
from ingestion.landing import (
    LandedFile,
    LandingBatch,
    UpstreamFileError,
    UpstreamUnavailableError,
    land_bytes,
)
from ingestion.sample import SAMPLE_FRENCH_FILES, SampleWorld, build_world, index_levels, land_sample_french
from tests.conftest import snapshot_path

REAL_NAME = "F-F_Research_Data_Factors_daily.CSV"
ZIP_NAME = "F-F_Research_Data_Factors_daily_CSV.zip"
THREE = THREE_FACTORS.factors

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
    values = frame.pivot(index="date", columns="factor", values="value")
    return values.loc[:, [f for f in FRENCH_FACTORS if f in values.columns]]


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
    assert frame["factor"].tolist() == [f for f in sorted(THREE) for _ in range(3)]
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


MOMENTUM_TEXT = """\
This file was created by using the 202511 CRSP database.  It
contains a momentum factor, constructed from six value-weight portfolios formed
using independent sorts on size and prior return of NYSE, AMEX, and NASDAQ stocks.

Missing data are indicated by -99.99 or -999.

,Mom
20240715,   -0.95
20240716,   -1.27
20240717,   -1.87

Copyright 2025 Eugene F. Fama and Kenneth R. French
""".replace(",Mom\n", ",Mom   \n")  # the real file pads the header

FIVE_TEXT = """\
This file was created by using the 202511 CRSP database.
The Tbill return is the simple daily rate that, over the number of trading days, compounds to 1-month TBill.

,Mkt-RF,SMB,HML,RMW,CMA,RF
20240715,    0.36,    1.20,    0.59,   -0.46,    0.11,    0.02
20240716,    0.82,    2.77,    1.34,   -0.61,    0.05,    0.02
20240717,   -1.50,    1.10,    1.90,    0.40,    0.70,    0.02

Copyright 2025 Eugene F. Fama and Kenneth R. French
"""


@pytest.mark.parametrize(
    ("text", "library_file"),
    [
        (SNAPSHOT_TEXT, THREE_FACTORS),
        (LIVE_TEXT, THREE_FACTORS),
        (FIVE_TEXT, FIVE_FACTORS),
        (MOMENTUM_TEXT, MOMENTUM),
    ],
    ids=["three-snapshot", "three-live", "five", "momentum"],
)
def test_each_library_file_is_recognised_by_its_header(tmp_path: Path, text: str, library_file) -> None:
    parsed = read_french_file(write(tmp_path, "any name.csv", text, newline="\r\n"))
    assert parsed.library_file is library_file
    assert sorted(parsed.frame["factor"].unique()) == sorted(library_file.factors)


def test_momentum_and_five_factor_values(tmp_path: Path) -> None:
    mom = parse_french_file(write(tmp_path, "mom.CSV", MOMENTUM_TEXT, newline="\r\n"))
    assert wide(mom)["Mom"].tolist() == [-0.95, -1.27, -1.87]
    five = parse_french_file(write(tmp_path, "five.CSV", FIVE_TEXT, newline="\r\n"))
    assert wide(five).loc["2024-07-16"].tolist() == [0.82, 2.77, 1.34, 0.02, -0.61, 0.05]


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
    assert isinstance(error, UnknownLayoutError) and error.line == 1
    assert "no header line of a known factors file found" in error.problem
    assert "',Mom' (F-F_Momentum_Factor_daily)" in error.problem
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
    assert isinstance(error, UnknownLayoutError) and error.line == 3
    assert "unknown header" in error.problem
    for library_file in LIBRARY_FILES:
        assert f"{library_file.header!r} ({library_file.name})" in error.problem
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


def test_each_factor_comes_whole_from_its_home_file(tmp_path: Path) -> None:
    # The five-factor file's Mkt-RF, SMB, HML and RF differ from the three-factor file's (another
    # vintage; another SMB) and it has a date the three-factor file lacks: none of them is loaded.
    files = [
        landed(tmp_path, REAL_NAME, SNAPSHOT_TEXT),
        landed(tmp_path, "five.CSV", FIVE_TEXT),
        landed(tmp_path, "mom.CSV", MOMENTUM_TEXT),
    ]
    frame, notes = parse_french_batch(batch_of(*files), dt.date(2024, 1, 1), tmp_path)
    values = wide(frame)
    assert list(values.columns) == list(FRENCH_FACTORS)
    assert values.loc["2024-07-16"].tolist() == [0.83, 2.35, 1.37, 0.021, -0.61, 0.05, -1.27]
    assert values.loc["2024-07-17", list(THREE)].isna().all()  # not filled from the five-factor file
    assert values.loc["2024-07-17", ["RMW", "CMA", "Mom"]].tolist() == [0.40, 0.70, -1.87]
    origin = frame.groupby("factor")["landing_file"].agg(lambda files: {Path(f).name for f in files})
    assert {factor: names.pop() for factor, names in origin.items()} == {
        **dict.fromkeys(THREE, REAL_NAME),
        "RMW": "five.CSV",
        "CMA": "five.CSV",
        "Mom": "mom.CSV",
    }
    assert notes == [
        "five.CSV (F-F_Research_Data_5_Factors_2x3_daily): Mkt-RF, SMB, HML, RF not loaded from this file: "
        "each factor comes whole from its own library file (Mkt-RF, SMB, HML, RF from "
        "F-F_Research_Data_Factors_daily), never spliced from two files or vintages"
    ]


def test_without_its_home_file_a_factor_is_not_taken_from_another(tmp_path: Path) -> None:
    frame, notes = parse_french_batch(
        batch_of(landed(tmp_path, "five.CSV", FIVE_TEXT)), dt.date(2024, 1, 1), tmp_path
    )
    assert sorted(frame["factor"].unique()) == ["CMA", "RMW"]
    assert len(notes) == 1 and "Mkt-RF, SMB, HML, RF not loaded" in notes[0]


@pytest.mark.parametrize(
    "text",
    [",Mkt-RF,SMB,HML,RF,WML\n20240716,1,2,3,4,5\n", "Date,Value\n2024-07-16,1.0\n"],
    ids=["other-factors", "no-header"],
)
def test_a_file_of_an_unknown_layout_is_skipped_with_a_note(tmp_path: Path, text: str) -> None:
    files = [landed(tmp_path, REAL_NAME, SNAPSHOT_TEXT), landed(tmp_path, "other.csv", text)]
    frame, notes = parse_french_batch(batch_of(*files), dt.date(2024, 1, 1), tmp_path)
    check_three_days(frame.drop(columns="landing_file"))
    assert len(notes) == 1 and notes[0].startswith("skipped other.csv, a file of an unknown layout (line ")
    assert "F-F_Research_Data_Factors_daily" in notes[0]


def test_a_broken_file_of_a_known_layout_still_fails(tmp_path: Path) -> None:
    broken = landed(tmp_path, "mom.CSV", MOMENTUM_TEXT.replace("-1.27", "-1.2x"))
    with pytest.raises(FactorFileError, match="Mom: expected a number"):
        parse_french_batch(batch_of(broken), dt.date(2024, 1, 1), tmp_path)


# --- snapshot landing --------------------------------------------------------------------------------


def test_land_snapshot_copies_csv_files_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "snap" / "french"
    folder.mkdir(parents=True)
    real = write(folder, REAL_NAME, SNAPSHOT_TEXT, newline="\r\n")
    (folder / "notes.txt").write_text("not a factors file")
    batch = land_snapshot_french(tmp_path / "snap", tmp_path / "landing")
    assert (batch.system, batch.mode, batch.requested) == ("french", "snapshot", THREE)
    assert batch.missing == [] and not batch.synthetic
    assert batch.notes == [
        f"skipped notes.txt in {folder}: not a .CSV file of the library (french/*.CSV), so not read",
        f"not in snapshot: RMW, CMA, Mom (no file of their kind in {folder}; expected "
        "french/F-F_Momentum_Factor_daily.CSV and french/F-F_Research_Data_5_Factors_2x3_daily.CSV in "
        f"{tmp_path / 'snap'}, recognised by its header)",
    ]
    assert len(batch.files) == 1
    assert batch.files[0].path.name == REAL_NAME and batch.files[0].symbols == THREE
    assert batch.files[0].path.is_relative_to(tmp_path / "landing" / "french" / "snapshot")
    assert batch.files[0].path.read_bytes() == real.read_bytes()
    check_three_days(parse_french_batch(batch, dt.date(2000, 1, 1), tmp_path)[0].drop(columns="landing_file"))


def test_land_snapshot_recognises_files_by_header_and_skips_unknown_ones(tmp_path: Path) -> None:
    folder = tmp_path / "snap" / "french"
    folder.mkdir(parents=True)
    write(folder, "factors.csv", SNAPSHOT_TEXT)
    write(folder, "winners.CSV", MOMENTUM_TEXT)
    write(folder, "F-F_Research_Data_5_Factors_2x3_daily.CSV", FIVE_TEXT)
    write(folder, "F-F_Research_Data_Factors_weekly.CSV", ",Mkt-RF,SMB,HML,RF,Extra\n20240712,1,2,3,4,5\n")
    batch = land_snapshot_french(tmp_path / "snap", tmp_path / "landing")
    assert batch.requested == FRENCH_FACTORS and batch.missing == []
    assert {f.path.name: f.symbols for f in batch.files} == {
        "F-F_Research_Data_5_Factors_2x3_daily.CSV": ("RMW", "CMA"),
        "factors.csv": THREE,
        "winners.CSV": ("Mom",),
    }
    assert len(batch.notes) == 1
    assert batch.notes[0].startswith(
        "skipped F-F_Research_Data_Factors_weekly.CSV, a file of an unknown layout (line 1): unknown header"
    )


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
    assert batch.notes[0].startswith("not in snapshot: Mkt-RF, SMB, HML, RF, RMW, CMA, Mom (")
    for library_file in LIBRARY_FILES:
        assert f"french/{library_file.name}.CSV" in batch.notes[0]
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


def library_zip(library_file, text: str) -> bytes:
    return zip_bytes({f"{library_file.name}.CSV": text.replace("\n", "\r\n").encode()})


LIVE_ZIP = library_zip(THREE_FACTORS, LIVE_TEXT)
LIVE_ZIPS = [LIVE_ZIP, library_zip(FIVE_FACTORS, FIVE_TEXT), library_zip(MOMENTUM, MOMENTUM_TEXT)]


def test_live_round_trip_through_landing(tmp_path: Path) -> None:
    get, sleeps = FakeGet(*[Response(200, content) for content in LIVE_ZIPS]), Sleeps()
    before = dt.datetime.now(dt.UTC)
    batch = fetch_live_french(tmp_path / "landing", get=get, sleep=sleeps, timeout=12.5)
    assert get.calls == [(library_url(f), None, 12.5) for f in LIBRARY_FILES] and sleeps == []
    assert (batch.system, batch.mode, batch.requested) == ("french", "live", FRENCH_FACTORS)
    assert batch.missing == [] and batch.notes == [] and not batch.synthetic
    assert [f.path.name for f in batch.files] == [
        "F-F_Research_Data_Factors_daily_CSV.zip",
        "F-F_Research_Data_5_Factors_2x3_daily_CSV.zip",
        "F-F_Momentum_Factor_daily_CSV.zip",
    ]
    assert [f.symbols for f in batch.files] == [THREE, ("RMW", "CMA"), ("Mom",)]
    for landed_file, content in zip(batch.files, LIVE_ZIPS, strict=True):
        assert landed_file.path.is_relative_to(tmp_path / "landing" / "french" / "live")
        assert landed_file.path.read_bytes() == content  # byte for byte
        assert landed_file.captured_at is not None
        assert before <= landed_file.captured_at <= dt.datetime.now(dt.UTC)

    frame, notes = parse_french_batch(batch, dt.date(2024, 7, 15), home=tmp_path)
    assert len(notes) == 1 and "Mkt-RF, SMB, HML, RF not loaded" in notes[0]
    assert len(frame) == 8 + 3 * 3
    assert at(frame, "SMB", "2024-07-16") == 2.35 and at(frame, "RF", "2024-07-15") == 0.021
    assert at(frame, "Mom", "2024-07-17") == -1.87 and at(frame, "RMW", "2024-07-16") == -0.61
    assert frame["landing_file"].str.startswith("landing/french/live/").all()


def test_live_urls_are_the_librarys_zips() -> None:
    folder = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
    assert [library_url(f) for f in LIBRARY_FILES] == [
        folder + "F-F_Research_Data_Factors_daily_CSV.zip",
        folder + "F-F_Research_Data_5_Factors_2x3_daily_CSV.zip",
        folder + "F-F_Momentum_Factor_daily_CSV.zip",
    ]


def test_live_503_is_retried_with_backoff(tmp_path: Path) -> None:
    script = [Response(503, b"busy"), *[Response(200, content) for content in LIVE_ZIPS]]
    get, sleeps = FakeGet(*script), Sleeps()
    batch = fetch_live_french(tmp_path / "landing", get=get, sleep=sleeps, base_delay=0.5)
    assert len(get.calls) == 4 and sleeps == [0.5]
    assert batch.missing == [] and [f.path.read_bytes() for f in batch.files] == LIVE_ZIPS


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
    assert len(get.calls) == 3 and sleeps == []
    assert batch.files == [] and batch.missing == list(FRENCH_FACTORS)
    assert len(batch.notes) == 3 and all("HTTP 404" in n and "not retried" in n for n in batch.notes)
    assert "Kenneth French data library" in batch.notes[0] and ZIP_NAME in batch.notes[0]


def test_live_one_missing_file_leaves_the_others(tmp_path: Path) -> None:
    get = FakeGet(Response(200, LIVE_ZIPS[0]), Response(404, b"Not Found"), Response(200, LIVE_ZIPS[2]))
    batch = fetch_live_french(tmp_path / "landing", get=get, sleep=Sleeps())
    assert batch.missing == ["RMW", "CMA"] and len(batch.files) == 2
    assert batch.notes == [
        "missing from the Kenneth French data library: RMW, CMA "
        "(F-F_Research_Data_5_Factors_2x3_daily_CSV.zip: HTTP 404; not retried)"
    ]


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
    assert len(batch.notes) == 3 and all("HTTP 200 but" in n and fragment in n for n in batch.notes)
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
    assert len(notes) == 1 and notes[0].startswith(
        "F-F_Research_Data_5_Factors_2x3_daily.CSV (F-F_Research_Data_5_Factors_2x3_daily): Mkt-RF, SMB, HML, RF "
        "not loaded"
    )
    return wide(frame)


def test_sample_batch(sample: tuple[LandingBatch, Path], world: SampleWorld) -> None:
    batch, home = sample
    assert (batch.system, batch.mode, batch.synthetic) == ("french", "sample", True)
    assert batch.requested == FRENCH_FACTORS and batch.missing == []
    assert batch.notes == [f"synthetic sample data (seed {world.seed}): not market data"]
    assert (
        [f.path.name for f in batch.files]
        == list(SAMPLE_FRENCH_FILES)
        == [
            REAL_NAME,
            "F-F_Research_Data_5_Factors_2x3_daily.CSV",
            "F-F_Momentum_Factor_daily.CSV",
        ]
    )
    assert [f.symbols for f in batch.files] == [f.home_of for f in LIBRARY_FILES]
    assert all(f.path.is_relative_to(home / "landing" / "french" / "sample") for f in batch.files)


@pytest.mark.parametrize("index", range(len(LIBRARY_FILES)))
def test_sample_is_in_the_live_dialect(sample: tuple[LandingBatch, Path], index: int) -> None:
    content = sample[0].files[index].path.read_bytes()
    lines = content.decode("ascii").split("\r\n")
    assert "\n" not in content.decode("ascii").replace("\r\n", "")  # CRLF only
    header = lines.index(LIBRARY_FILES[index].header)
    assert 2 <= header <= 4 and all(lines[:2])  # description lines first
    assert lines[-3:] == ["", " Copyright synthetic sample, not the Kenneth French data library", ""]
    assert lines[header + 1].startswith("20000103,")
    first_row = lines[header + 1].split(",")
    assert [len(cell) for cell in first_row[1:]] == [8] * len(LIBRARY_FILES[index].factors)  # right-aligned


def test_sample_bytes_are_deterministic(sample: tuple[LandingBatch, Path], tmp_path: Path) -> None:
    again = land_sample_french(tmp_path / "landing")  # a fresh world
    assert [f.path.read_bytes() for f in again.files] == [f.path.read_bytes() for f in sample[0].files]
    assert [f.path.relative_to(tmp_path) for f in again.files] == [
        f.path.relative_to(sample[1]) for f in sample[0].files
    ]


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


def test_sample_profitability_investment_and_momentum(sample_wide: pd.DataFrame) -> None:
    stds = sample_wide[["RMW", "CMA", "Mom"]].std()
    assert stds.between(0.1, 1.2).all()
    assert stds["Mom"] == stds.max()  # the library's most volatile of the three
    assert (
        sample_wide[["SMB", "HML", "RMW", "CMA", "Mom"]].corr().abs().where(lambda c: c < 1).max().max() < 0.1
    )


def test_sample_five_factor_smb_is_another_portfolio(sample: tuple[LandingBatch, Path], sample_wide) -> None:
    five = wide(parse_french_file(sample[0].files[1].path))
    three = wide(parse_french_file(sample[0].files[0].path))
    assert (five["SMB"] != three["SMB"]).mean() > 0.9 and np.corrcoef(five["SMB"], three["SMB"])[0, 1] > 0.8
    assert sample_wide["SMB"].equals(three["SMB"])  # the loaded SMB is the three-factor file's


# --- the real snapshot files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_dir() -> Path:
    folder = snapshot_path() / "french"
    if not (folder / REAL_NAME).is_file():
        pytest.skip(
            f"real French factors files not found in {folder} (set ROTATION_SNAPSHOT_DIR to a directory laid "
            "out like ../shared/data/snapshot)"
        )
    return folder


def plain_read(path: Path) -> pd.DataFrame:
    """The file read the obvious pandas way (SOURCES.md), independent of the parser: date x factor.
    The header is the first line starting with a comma; rows whose first cell is not 8 digits (the
    copyright footer) are dropped."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith(","))
    frame = pd.read_csv(
        path,
        skiprows=header,
        index_col=0,
        skipinitialspace=True,
        float_precision="round_trip",
        dtype={0: str},
    )
    frame = frame[frame.index.astype(str).str.fullmatch(r"\d{8}")].astype("float64")
    frame.index = pd.to_datetime(frame.index.astype(str), format="%Y%m%d")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def real_files(real_dir: Path) -> dict[str, Path]:
    """The snapshot's library files present, by library name (the snapshot keeps the library's names)."""
    return {
        f.name: real_dir / f"{f.name}.CSV" for f in LIBRARY_FILES if (real_dir / f"{f.name}.CSV").is_file()
    }


def test_real_files_match_a_plain_pandas_read(real_dir: Path) -> None:
    files = real_files(real_dir)
    assert REAL_NAME.removesuffix(".CSV") in files
    for name, path in files.items():
        parsed = read_french_file(path)
        assert parsed.library_file.name == name
        values, expected = wide(parsed.frame), plain_read(path)
        assert sorted(values.columns) == sorted(expected.columns), name
        assert values.index.equals(expected.index.as_unit("us").rename("date")), name
        for factor in expected.columns:
            assert values[factor].to_numpy().tolist() == expected[factor].to_numpy().tolist(), (name, factor)
    # Verification values published in shared/data/SOURCES.md.
    three = parse_french_file(real_dir / REAL_NAME)
    assert at(three, "SMB", "2024-07-16") == 2.35 and at(three, "RF", "2024-07-16") == 0.021


def test_real_snapshot_loads_each_factor_whole_from_its_home_file(real_dir: Path, tmp_path: Path) -> None:
    files = real_files(real_dir)
    batch = land_snapshot_french(real_dir.parent, tmp_path / "landing")
    homes = {f: lf for lf in LIBRARY_FILES if lf.name in files for f in lf.home_of}
    assert batch.missing == [] and batch.requested == tuple(f for f in FRENCH_FACTORS if f in homes)
    assert sorted(f.path.name for f in batch.files) == sorted(p.name for p in files.values())
    frame, notes = parse_french_batch(batch, dt.date(2000, 1, 1), tmp_path)
    loaded = wide(frame)
    for factor, home in homes.items():
        expected = plain_read(files[home.name])[factor]
        expected = expected[expected.index >= pd.Timestamp("2000-01-01")]
        got = loaded[factor].dropna()
        assert got.index.equals(expected.index.as_unit("us").rename("date")), factor
        assert got.to_numpy().tolist() == expected.to_numpy().tolist(), factor
    # The loop proves no factor was filled from another file (the five-factor file's Mkt-RF, SMB, HML
    # and RF run later and differ); the five-factor file says so in one note.
    left_out = [n for n in notes if "not loaded from this file" in n]
    assert len(left_out) == (FIVE_FACTORS.name in files) and notes == left_out
