"""FRED series: the real snapshot files, hand-written files (dialects, missing values, errors), the live
download with a fake ``get`` (retries, 404, HTML answers, unreachable) and the synthetic sample files."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from ingestion.calendar import nyse_holidays, nyse_trading_days
from ingestion.errors import OFFLINE_FIX
from ingestion.fred import (
    FRED_COLUMNS,
    SeriesFileError,
    parse_fred_batch,
    parse_fred_file,
)
from ingestion.fred_fetch import fetch_live_fred, land_snapshot_fred
from ingestion.landing import LandedFile, LandingBatch, UpstreamUnavailableError, land_bytes
from ingestion.sample import (
    SAMPLE_END,
    SAMPLE_START,
    SampleWorld,
    build_world,
    land_sample_fred,
)
from ingestion.universe import SEEDS_DIR, fred_series_ids

SERIES = ("DGS2", "DGS3MO", "DFF")
# Verification values published in shared/data/SOURCES.md.
PUBLISHED = {("DFF", "2024-07-16"): 5.33, ("DGS2", "2024-07-16"): 4.43, ("DGS3MO", "2024-07-16"): 5.43}


def write(tmp_path: Path, name: str, text: str, newline: str = "\n", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8"))
    return path


def days(frame: pd.DataFrame) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in frame["date"]]


def error_of(path: Path, **kwargs: Any) -> SeriesFileError:
    with pytest.raises(SeriesFileError) as info:
        parse_fred_file(path, **kwargs)
    assert path.name in str(info.value)
    assert info.value.path == path
    return info.value


def at(frame: pd.DataFrame, series_id: str, day: str) -> float:
    rows = frame[(frame["series_id"] == series_id) & (frame["date"] == pd.Timestamp(day))]
    assert len(rows) == 1, (series_id, day)
    return float(rows["value"].iloc[0])


# --- the real snapshot ---------------------------------------------------------------------------


def plain_read(path: Path) -> pd.DataFrame:
    """The file read the obvious pandas way, independent of the parser: columns date, value."""
    frame = pd.read_csv(path, na_values=["."], keep_default_na=False)
    frame.columns = ["date", "value"]
    frame["date"] = pd.to_datetime(frame["date"])
    frame["value"] = pd.to_numeric(frame["value"].replace("", np.nan))
    return frame


@pytest.mark.parametrize("series_id", SERIES)
def test_snapshot_file_matches_a_plain_pandas_read(snapshot_dir: Path, series_id: str) -> None:
    path = snapshot_dir / "fred" / f"{series_id}.csv"
    parsed = parse_fred_file(path)
    frame = parsed.frame
    expected = plain_read(path)

    assert parsed.series_id == series_id and parsed.dialect == "snapshot"
    assert list(frame.columns) == list(FRED_COLUMNS)
    assert len(frame) == len(expected) > 6000
    assert (frame["series_id"] == series_id).all()
    assert (frame["date"].to_numpy() == expected["date"].to_numpy()).all()
    np.testing.assert_array_equal(frame["value"].to_numpy(), expected["value"].to_numpy())  # NaN == NaN
    assert frame["date"].is_monotonic_increasing


def test_snapshot_dtypes(snapshot_dir: Path) -> None:
    frame = parse_fred_file(snapshot_dir / "fred" / "DGS2.csv").frame
    assert frame["date"].dtype == "datetime64[us]"
    assert frame["date"].dt.tz is None
    assert (frame["date"] == frame["date"].dt.normalize()).all()
    assert frame["value"].dtype == "float64"
    assert pd.api.types.is_string_dtype(frame["series_id"])


@pytest.fixture()
def snapshot_batch(snapshot_dir: Path, tmp_path: Path) -> LandingBatch:
    return land_snapshot_fred(snapshot_dir, SERIES, tmp_path / "landing")


def test_snapshot_values_published_in_sources(snapshot_batch: LandingBatch, tmp_path: Path) -> None:
    frame, _ = parse_fred_batch(snapshot_batch, dt.date(2024, 1, 1), home=tmp_path)
    for (series_id, day), value in PUBLISHED.items():
        assert at(frame, series_id, day) == value


@pytest.mark.parametrize("series_id", ["DGS2", "DGS3MO"])
def test_snapshot_blank_values_are_nan_never_zero(snapshot_dir: Path, series_id: str) -> None:
    path = snapshot_dir / "fred" / f"{series_id}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    blank_days = {line.split(",")[0] for line in lines if line.split(",")[1].strip() in ("", ".")}
    assert len(blank_days) > 100  # bond-market holidays since 2000
    frame = parse_fred_file(path).frame
    nan_days = set(days(frame[frame["value"].isna()]))
    assert nan_days == blank_days
    assert math.isnan(at(frame, series_id, "2000-01-17"))  # MLK Day 2000: blank upstream
    assert not (frame.loc[frame["date"].dt.strftime("%Y-%m-%d").isin(blank_days), "value"] == 0).any()


def test_land_snapshot_and_parse_batch(snapshot_dir: Path, tmp_path: Path) -> None:
    batch = land_snapshot_fred(snapshot_dir, [*SERIES, "SOFR", "DGS2"], tmp_path / "landing")
    assert (batch.system, batch.mode, batch.synthetic) == ("fred", "snapshot", False)
    assert batch.requested == SERIES
    assert batch.missing == []
    assert len(batch.notes) == 1 and "SOFR" in batch.notes[0] and "not in snapshot" in batch.notes[0]
    assert [f.symbols for f in batch.files] == [(s,) for s in SERIES]
    for landed, series_id in zip(batch.files, SERIES, strict=True):
        assert landed.path.name == f"{series_id}.csv"
        assert landed.path.is_relative_to(tmp_path / "landing" / "fred" / "snapshot")
        assert landed.path.read_bytes() == (snapshot_dir / "fred" / f"{series_id}.csv").read_bytes()

    frame, notes = parse_fred_batch(batch, dt.date(2020, 1, 1), home=tmp_path)
    assert list(frame.columns) == [*FRED_COLUMNS, "landing_file"]
    assert frame["date"].min() == pd.Timestamp("2020-01-01")
    assert frame["landing_file"].str.startswith("landing/fred/snapshot/").all()
    assert list(frame["series_id"].unique()) == sorted(SERIES)
    assert not frame.duplicated(["series_id", "date"]).any()
    for series_id in SERIES:
        assert frame.loc[frame["series_id"] == series_id, "date"].is_monotonic_increasing
    # one note per series with blank values, counting only the rows kept
    blanks = frame[frame["value"].isna()].groupby("series_id").size().to_dict()
    assert set(blanks) == {"DGS2", "DGS3MO"}
    assert len(notes) == 2
    for series_id, count in blanks.items():
        assert any(n.startswith(f"{series_id}.csv: {series_id}: {count} of ") for n in notes), notes


def test_land_snapshot_errors(tmp_path: Path) -> None:
    with pytest.raises(
        FileNotFoundError, match="does not exist — fix: set ROTATION_SNAPSHOT_DIR to a directory"
    ):
        land_snapshot_fred(tmp_path / "nowhere", SERIES, tmp_path / "landing")
    (tmp_path / "snap" / "yahoo").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"has no fred/ folder \(expected fred/<SERIES>\.csv"):
        land_snapshot_fred(tmp_path / "snap", SERIES, tmp_path / "landing")


def test_land_snapshot_series_without_file_is_one_note(tmp_path: Path) -> None:
    (tmp_path / "snap" / "fred").mkdir(parents=True)
    write(tmp_path / "snap" / "fred", "DGS2.csv", "date,dgs2\n2024-07-16,4.43\n")
    batch = land_snapshot_fred(tmp_path / "snap", ["DGS2", "DFF", "DGS3MO"], tmp_path / "landing")
    assert batch.requested == ("DGS2",)
    assert batch.notes == [f"not in snapshot: DFF, DGS3MO (no fred/<SERIES>.csv in {tmp_path / 'snap'})"]


# --- hand-written files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "dialect"),
    [("observation_date,DGS2", "live"), ("DATE,DGS2", "legacy"), ("date,dgs2", "snapshot")],
)
def test_header_dialects(tmp_path: Path, header: str, dialect: str) -> None:
    path = write(tmp_path, "whatever.csv", f"{header}\n2024-07-15,4.45\n2024-07-16,4.43\n")
    parsed = parse_fred_file(path)
    assert (parsed.series_id, parsed.dialect) == ("DGS2", dialect)  # from the header, not the file name
    assert days(parsed.frame) == ["2024-07-15", "2024-07-16"]
    assert parsed.frame["value"].tolist() == [4.45, 4.43]
    assert parsed.frame["series_id"].tolist() == ["DGS2", "DGS2"]


def test_series_id_argument(tmp_path: Path) -> None:
    path = write(tmp_path, "DGS2.csv", "date,dgs2\n2024-07-16,4.43\n")
    assert parse_fred_file(path, series_id="DGS2").series_id == "DGS2"  # case-insensitive match
    error = error_of(path, series_id="DFF")
    assert error.line == 1
    assert "header names series 'dgs2' but series 'DFF' was expected" in str(error)


def test_dot_and_empty_values_are_nan(tmp_path: Path) -> None:
    text = "DATE,DGS3MO\n2024-07-03,5.46\n2024-07-04,.\n2024-07-05,\n2024-07-08,0.00\n2024-07-09,-0.01\n"
    frame = parse_fred_file(write(tmp_path, "DGS3MO.csv", text)).frame
    values = frame["value"].tolist()
    assert values[0] == 5.46
    assert math.isnan(values[1]) and math.isnan(values[2])  # kept as rows, never zero
    assert values[3] == 0.0 and values[4] == -0.01  # a published zero stays zero
    assert len(frame) == 5


def test_crlf_bom_blank_lines_and_order(tmp_path: Path) -> None:
    text = "observation_date,DFF\n2024-07-16,5.33\n\n2024-07-15,5.32\n\n"
    frame = parse_fred_file(write(tmp_path, "DFF.csv", text, newline="\r\n", bom=True)).frame
    assert days(frame) == ["2024-07-15", "2024-07-16"]  # sorted by date
    assert frame["value"].tolist() == [5.32, 5.33]


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        ("", 1, ["empty file (0 bytes)"]),
        ("\n\n", 1, ["only blank lines"]),
        ("observation_date,DGS2\n", 2, ["no data rows", "got end of file"]),
        (
            "Date,Close\n2024-07-16,4.43\n",
            1,
            [
                "unknown header",
                "'observation_date,<SERIES>'",
                "'DATE,<SERIES>'",
                "'date,<series lower-case>'",
            ],
        ),
        ("date,dgs2,extra\n2024-07-16,4.43,1\n", 1, ["unknown header", "'date,dgs2,extra'"]),
        ("date,dgs2\n2024-07-15,4.45\n2024-07-16,4.43,1\n", 3, ["expected 2 fields", "got 3"]),
        ("date,dgs2\n2024-07-15\n", 2, ["expected 2 fields", "got 1"]),
        ("date,dgs2\n2024-07-15,4.45\n2024-07-16,n/a\n", 3, ["expected a number", "'n/a'"]),
        ("date,dgs2\n2024-07-16,nan\n", 2, ["expected a number", "'nan'"]),
        ("date,dgs2\n2024-07-16,4.4.3\n", 2, ["expected a number", "'4.4.3'"]),
        ("date,dgs2\n07/16/2024,4.43\n", 2, ["unparseable date '07/16/2024'", "YYYY-MM-DD"]),
        ("date,dgs2\n2024-02-30,4.43\n", 2, ["unparseable date '2024-02-30'"]),
        (
            "date,dgs2\n2024-07-15,4.45\n2024-07-16,4.43\n2024-07-15,4.46\n",
            4,
            ["duplicate date 2024-07-15 on lines 2 and 4"],
        ),
    ],
)
def test_errors_name_file_line_and_problem(
    tmp_path: Path, text: str, line: int, fragments: list[str]
) -> None:
    path = write(tmp_path, "DGS2.csv", text)
    error = error_of(path)
    message = str(error)
    assert error.line == line
    assert f"DGS2.csv line {line}: " in message
    for fragment in fragments:
        assert fragment in message, message


def test_error_line_counts_crlf_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "DGS2.csv", "date,dgs2\n\n2024-07-16,x\n", newline="\r\n")
    assert error_of(path).line == 3


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "DGS2.csv"
    path.write_bytes(b"date,dgs2\n2024-07-16,\xff\n")
    assert "not UTF-8" in str(error_of(path))


# --- batches ---------------------------------------------------------------------------------------


def landed(tmp_path: Path, series_id: str, text: str, mode: str = "snapshot") -> LandedFile:
    path = land_bytes(text.encode(), tmp_path / "landing", "fred", mode, f"{series_id}.csv")
    return LandedFile(path, (series_id,))


def test_batch_same_series_and_date_from_two_files_is_an_error(tmp_path: Path) -> None:
    first = landed(tmp_path, "DGS2", "date,dgs2\n2024-07-15,4.45\n2024-07-16,4.43\n")
    second = landed(
        tmp_path, "DGS2", "observation_date,DGS2\n2024-07-16,4.43\n2024-07-17,4.40\n", mode="live"
    )
    batch = LandingBatch(system="fred", mode="snapshot", requested=("DGS2",), files=[first, second])
    with pytest.raises(SeriesFileError) as info:
        parse_fred_batch(batch, dt.date(2024, 1, 1), home=tmp_path)
    message = str(info.value)
    assert "DGS2 2024-07-16" in message
    assert str(first.path.relative_to(tmp_path)) in message
    assert str(second.path.relative_to(tmp_path)) in message
    # before the overlap, the two files do not collide
    frame, _ = parse_fred_batch(
        LandingBatch(system="fred", mode="snapshot", requested=("DGS2",), files=[second]),
        dt.date(2024, 7, 17),
        home=tmp_path,
    )
    assert days(frame) == ["2024-07-17"]


def test_batch_header_for_another_series_is_an_error(tmp_path: Path) -> None:
    wrong = landed(tmp_path, "DGS2", "date,dff\n2024-07-16,5.33\n")
    batch = LandingBatch(system="fred", mode="snapshot", requested=("DGS2",), files=[wrong])
    with pytest.raises(SeriesFileError, match="header names series 'dff' but series 'DGS2' was expected"):
        parse_fred_batch(batch, dt.date(2024, 1, 1), home=tmp_path)


def test_batch_keeps_nan_rows_and_notes_them(tmp_path: Path) -> None:
    text = "observation_date,DGS2\n2024-06-18,4.70\n2024-06-19,\n2024-06-20,4.72\n2024-07-04,.\n"
    batch = LandingBatch(
        system="fred", mode="live", requested=("DGS2",), files=[landed(tmp_path, "DGS2", text, "live")]
    )
    frame, notes = parse_fred_batch(batch, dt.date(2024, 6, 19), home=tmp_path)
    assert days(frame) == ["2024-06-19", "2024-06-20", "2024-07-04"]
    assert frame["value"].isna().tolist() == [True, False, True]
    assert notes == [
        "DGS2.csv: DGS2: 2 of 3 row(s) have no value (empty or '.' upstream, kept as NaN; "
        "2024-06-19..2024-07-04)"
    ]


def test_empty_batch(tmp_path: Path) -> None:
    frame, notes = parse_fred_batch(
        LandingBatch(system="fred", mode="live", requested=()), dt.date(2024, 1, 1), home=tmp_path
    )
    assert list(frame.columns) == [*FRED_COLUMNS, "landing_file"] and frame.empty and notes == []
    assert frame["date"].dtype == "datetime64[us]" and frame["value"].dtype == "float64"


# --- live download with a fake get ----------------------------------------------------------------

START = dt.date(2024, 7, 1)
CAPTURED = dt.datetime(2024, 7, 17, 13, 0, tzinfo=dt.UTC)
URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"


class Response:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content
        self.text = content.decode("utf-8", errors="replace")


def csv_body(series_id: str, rows: dict[str, str]) -> bytes:
    return ("observation_date," + series_id + "\n" + "".join(f"{d},{v}\n" for d, v in rows.items())).encode()


BODIES = {
    "DGS2": csv_body("DGS2", {"2024-07-15": "4.45", "2024-07-16": "4.43", "2024-07-17": ""}),
    "DFF": csv_body("DFF", {"2024-07-15": "5.33", "2024-07-16": "5.33"}),
}
HTML = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Series not found</body></html>\n"


class FakeGet:
    """Answers each series with its next scripted response (Response or exception; the last repeats)."""

    def __init__(self, **scripts: list[Response | BaseException]) -> None:
        self.scripts = {k: list(v) for k, v in scripts.items()}
        self.calls: list[tuple[str, dict[str, str], float]] = []

    def __call__(self, url: str, *, params: dict[str, str], timeout: float) -> Response:
        self.calls.append((url, dict(params), timeout))
        script = self.scripts[params["id"]]
        response = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(response, BaseException):
            raise response
        return response


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fetch(tmp_path: Path, series: list[str], get: FakeGet, **kwargs: Any) -> LandingBatch:
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("now", lambda: CAPTURED)
    return fetch_live_fred(series, tmp_path / "landing", start=START, get=get, **kwargs)


def ok(series_id: str) -> Response:
    return Response(200, BODIES[series_id])


def test_live_round_trip_through_landing(tmp_path: Path) -> None:
    get = FakeGet(DGS2=[ok("DGS2")], DFF=[ok("DFF")])
    batch = fetch(tmp_path, ["DGS2", "DFF"], get, timeout=12.5)

    assert get.calls == [
        (URL, {"id": "DGS2", "cosd": "2024-07-01"}, 12.5),
        (URL, {"id": "DFF", "cosd": "2024-07-01"}, 12.5),
    ]
    assert (batch.system, batch.mode, batch.requested) == ("fred", "live", ("DGS2", "DFF"))
    assert batch.missing == [] and batch.notes == [] and not batch.synthetic
    for landed_file, series_id in zip(batch.files, ["DGS2", "DFF"], strict=True):
        assert landed_file.path.name == f"{series_id}.csv"
        assert landed_file.path.is_relative_to(tmp_path / "landing" / "fred" / "live")
        assert landed_file.path.read_bytes() == BODIES[series_id]  # byte for byte
        assert landed_file.symbols == (series_id,)
        assert landed_file.captured_at == CAPTURED

    frame, notes = parse_fred_batch(batch, START, home=tmp_path)
    assert frame["series_id"].tolist() == ["DFF", "DFF", "DGS2", "DGS2", "DGS2"]
    assert at(frame, "DGS2", "2024-07-16") == 4.43 and at(frame, "DFF", "2024-07-16") == 5.33
    assert math.isnan(at(frame, "DGS2", "2024-07-17"))
    assert frame["landing_file"].str.startswith("landing/fred/live/").all()
    assert len(notes) == 1 and notes[0].startswith("DGS2.csv: DGS2: 1 of 3 row(s) have no value")


def test_live_captured_at_defaults_to_now_utc(tmp_path: Path) -> None:
    before = dt.datetime.now(dt.UTC)
    batch = fetch_live_fred(["DFF"], tmp_path / "landing", start=START, get=FakeGet(DFF=[ok("DFF")]))
    captured = batch.files[0].captured_at
    assert captured is not None and captured.utcoffset() == dt.timedelta(0)
    assert before <= captured <= dt.datetime.now(dt.UTC)


def test_live_404_is_missing_without_retry(tmp_path: Path) -> None:
    get = FakeGet(DGS2=[ok("DGS2")], NOPE=[Response(404, b"Not Found")])
    sleeps = Sleeps()
    batch = fetch(tmp_path, ["DGS2", "NOPE"], get, sleep=sleeps)
    assert batch.missing == ["NOPE"]
    assert len(batch.notes) == 1 and "NOPE" in batch.notes[0] and "HTTP 404" in batch.notes[0]
    assert [c[1]["id"] for c in get.calls] == ["DGS2", "NOPE"]  # one request each
    assert sleeps == []
    assert [f.symbols for f in batch.files] == [("DGS2",)]


def test_live_only_404s_is_an_empty_batch_not_unreachable(tmp_path: Path) -> None:
    batch = fetch(tmp_path, ["NOPE"], FakeGet(NOPE=[Response(404, b"")]))
    assert batch.files == [] and batch.missing == ["NOPE"]


@pytest.mark.parametrize("status", [503, 429, 500])
def test_live_server_errors_twice_then_success(tmp_path: Path, status: int) -> None:
    get = FakeGet(DGS2=[Response(status, b"busy"), Response(status, b"busy"), ok("DGS2")])
    sleeps = Sleeps()
    batch = fetch(tmp_path, ["DGS2"], get, sleep=sleeps, base_delay=2.0)
    assert sleeps == [2.0, 4.0]
    assert len(get.calls) == 3
    assert batch.missing == [] and len(batch.files) == 1
    assert batch.files[0].path.read_bytes() == BODIES["DGS2"]


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError("connection refused"),
        requests.Timeout("read timed out"),
        ConnectionResetError("reset by peer"),
        OSError("network down"),
    ],
)
def test_live_connection_errors_are_retried(tmp_path: Path, error: Exception) -> None:
    sleeps = Sleeps()
    batch = fetch(tmp_path, ["DFF"], FakeGet(DFF=[error, ok("DFF")]), sleep=sleeps)
    assert sleeps == [2.0] and len(batch.files) == 1


def test_live_always_unreachable_raises_a_clear_error(tmp_path: Path) -> None:
    get = FakeGet(DGS2=[requests.ConnectionError("connection refused")], DFF=[Response(503, b"")])
    sleeps = Sleeps()
    with pytest.raises(UpstreamUnavailableError) as info:
        fetch(tmp_path, ["DGS2", "DFF"], get, sleep=sleeps, max_attempts=4, base_delay=0.5)
    message = str(info.value)
    assert message.startswith("FRED unreachable after 4 attempts (last error: HTTP 503): ")
    assert "DGS2, DFF" in message
    assert message.endswith(" — fix: " + OFFLINE_FIX)
    assert len(get.calls) == 8
    assert sleeps == [0.5, 1.0, 2.0] * 2
    assert not (tmp_path / "landing").exists()


def test_live_connection_error_message(tmp_path: Path) -> None:
    get = FakeGet(DGS2=[requests.ConnectionError("connection refused")])
    with pytest.raises(
        UpstreamUnavailableError, match=r"\(last error: ConnectionError: connection refused\)"
    ):
        fetch(tmp_path, ["DGS2"], get, max_attempts=2)


def test_live_one_series_unreachable_is_missing_with_a_note(tmp_path: Path) -> None:
    get = FakeGet(DGS2=[ok("DGS2")], DFF=[Response(502, b"bad gateway")])
    batch = fetch(tmp_path, ["DGS2", "DFF"], get, max_attempts=2)
    assert batch.missing == ["DFF"] and [f.symbols for f in batch.files] == [("DGS2",)]
    assert batch.notes == ["missing from FRED (unreachable after 2 attempts): DFF (last error: HTTP 502)"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (HTML, "not a FRED CSV"),
        (b"", "not a FRED CSV"),
        (csv_body("DFF", {"2024-07-16": "5.33"}), "holds series 'DFF', not 'DGS2'"),
        (b"observation_date,DGS2\n", "no observations"),
    ],
)
def test_live_answer_that_is_not_a_csv_of_the_series_is_missing(
    tmp_path: Path, body: bytes, reason: str
) -> None:
    get = FakeGet(DGS2=[Response(200, body)], DFF=[ok("DFF")])
    sleeps = Sleeps()
    batch = fetch(tmp_path, ["DGS2", "DFF"], get, sleep=sleeps)
    assert batch.missing == ["DGS2"]
    assert len(batch.notes) == 1 and "DGS2" in batch.notes[0] and reason in batch.notes[0], batch.notes
    assert len(get.calls) == 2 and sleeps == []
    assert [f.symbols for f in batch.files] == [("DFF",)]
    assert list((tmp_path / "landing" / "fred" / "live").glob("*/DGS2.csv")) == []


def test_live_other_errors_are_not_retried(tmp_path: Path) -> None:
    get = FakeGet(DGS2=[KeyError("bug")])
    with pytest.raises(KeyError):
        fetch(tmp_path, ["DGS2"], get)
    assert len(get.calls) == 1


def test_live_argument_checks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no series requested"):
        fetch(tmp_path, [], FakeGet())
    with pytest.raises(ValueError, match="max_attempts must be >= 1"):
        fetch(tmp_path, ["DGS2"], FakeGet(), max_attempts=0)


# --- sample files ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> SampleWorld:
    return build_world()


@pytest.fixture(scope="module")
def sample(world: SampleWorld, tmp_path_factory: pytest.TempPathFactory) -> tuple[LandingBatch, Path]:
    home = tmp_path_factory.mktemp("sample_home")
    return land_sample_fred(home / "landing", world), home


def test_sample_batch(sample: tuple[LandingBatch, Path], world: SampleWorld) -> None:
    batch, home = sample
    assert (batch.system, batch.mode, batch.synthetic) == ("fred", "sample", True)
    # the seed's FRED series without the live-only ones, read here from the seed itself
    seed = pd.read_csv(SEEDS_DIR / "rate_series.csv")
    expected = tuple(seed[(seed["kind"] == "fred") & ~seed["live_only"]]["upstream_id"])
    assert batch.requested == expected and set(expected) >= {"DGS2", "DGS3MO", "DFF"}
    assert batch.missing == []
    assert batch.notes == [f"synthetic sample data (seed {world.seed}): not market data"]
    assert [f.symbols for f in batch.files] == [(s,) for s in expected]
    for landed_file, series_id in zip(batch.files, expected, strict=True):
        assert landed_file.path.name == f"{series_id}.csv"
        assert landed_file.path.is_relative_to(home / "landing" / "fred" / "sample")
        assert landed_file.path.read_bytes().startswith(f"observation_date,{series_id}\n".encode())
        assert parse_fred_file(landed_file.path).dialect == "live"


def test_a_series_added_to_the_seed_is_generated_by_the_sample(world: SampleWorld, tmp_path: Path) -> None:
    # one seed row is all a new series takes: the sample lands it like the modelled ones
    seed = tmp_path / "rate_series.csv"
    original = (SEEDS_DIR / "rate_series.csv").read_text()
    seed.write_text(
        original + "DGS10,10-Year Treasury constant maturity yield (FRED),fred,DGS10,false,true\n"
    )
    ids = fred_series_ids("sample", seed)
    assert ids[-1] == "DGS10"
    batch = land_sample_fred(tmp_path / "landing", world, series_ids=ids)
    assert batch.requested == tuple(ids) and batch.files[-1].path.name == "DGS10.csv"
    frame, _ = parse_fred_batch(batch, SAMPLE_START, home=tmp_path)
    dgs10 = series_of(frame, "DGS10").dropna()
    short = world.short_rate
    # on the weekday calendar of DGS2 (empty on holidays): a value on every trading day of the world
    assert list(dgs10.index) == list(short.index)
    assert (dgs10 >= 0).all() and dgs10.std() > 0
    assert abs((dgs10 - short.reindex(dgs10.index)).median()) < 3, "a term spread of a few points at most"
    # adding it changed none of the other files
    alone = land_sample_fred(tmp_path / "landing_without", world, series_ids=ids[:-1])
    assert [f.path.read_bytes() for f in alone.files] == [f.path.read_bytes() for f in batch.files[:-1]]

    # and the FRED source's sample mode lands what it requests (it once landed a fixed list)
    import dataclasses

    from ingestion.sources import FRED

    assert FRED.requested("sample") == fred_series_ids("sample")
    landed = dataclasses.replace(FRED, requested=lambda mode: ids).land(
        "sample", landing_dir=tmp_path / "asset", snapshot_dir=tmp_path, start_date=SAMPLE_START
    )
    assert landed.requested == tuple(ids) and [f.symbols for f in landed.files][-1] == ("DGS10",)


def test_sample_bytes_are_deterministic(sample: tuple[LandingBatch, Path], tmp_path: Path) -> None:
    batch, _ = sample
    again = land_sample_fred(tmp_path / "landing")  # a fresh world
    assert [f.path.read_bytes() for f in again.files] == [f.path.read_bytes() for f in batch.files]
    assert [f.path.relative_to(tmp_path) for f in again.files] == [
        f.path.relative_to(f.path.parents[4]) for f in batch.files
    ]


@pytest.fixture(scope="module")
def sample_frame(sample: tuple[LandingBatch, Path]) -> pd.DataFrame:
    batch, home = sample
    frame, _ = parse_fred_batch(batch, SAMPLE_START, home=home)
    return frame


def series_of(frame: pd.DataFrame, series_id: str) -> pd.Series:
    rows = frame[frame["series_id"] == series_id]
    return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["date"]))


@pytest.mark.parametrize("series_id", ["DGS2", "DGS3MO"])
def test_sample_treasuries_weekdays_with_nan_on_nyse_holidays(
    sample_frame: pd.DataFrame, series_id: str
) -> None:
    values = series_of(sample_frame, series_id)
    weekdays = pd.bdate_range(SAMPLE_START, SAMPLE_END)
    assert (values.index == weekdays).all()
    missing = {d.date() for d in values.index[values.isna()]}
    assert missing == nyse_holidays(SAMPLE_START, SAMPLE_END)
    assert len(missing) > 200
    assert math.isnan(values[pd.Timestamp("2024-07-04")])


def test_sample_dff_every_calendar_day_carrying_the_last_business_day(sample_frame: pd.DataFrame) -> None:
    dff = series_of(sample_frame, "DFF")
    assert (dff.index == pd.date_range(SAMPLE_START, SAMPLE_END, freq="D")).all()
    assert dff.notna().all()
    assert (dff.index.dayofweek >= 5).sum() > 2500  # weekend rows
    assert dff[pd.Timestamp("2024-07-13")] == dff[pd.Timestamp("2024-07-12")]  # Saturday = Friday
    assert dff[pd.Timestamp("2024-07-14")] == dff[pd.Timestamp("2024-07-12")]  # Sunday = Friday
    assert dff[pd.Timestamp("2024-07-04")] == dff[pd.Timestamp("2024-07-03")]  # holiday = day before


@pytest.mark.parametrize(
    ("series_id", "attribute"),
    [("DGS2", "two_year_yield"), ("DGS3MO", "three_month_yield"), ("DFF", "short_rate")],
)
def test_sample_values_are_the_worlds_rounded_to_two_decimals(
    sample_frame: pd.DataFrame, world: SampleWorld, series_id: str, attribute: str
) -> None:
    values = series_of(sample_frame, series_id)
    trading = nyse_trading_days(SAMPLE_START, SAMPLE_END)
    expected = getattr(world, attribute).round(2)
    assert (expected.index == trading).all()
    np.testing.assert_allclose(values.reindex(trading).to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)
