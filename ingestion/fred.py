"""FRED series: parse the landed upstream files into rows (``ingestion.fred_fetch`` lands them).

A FRED file has two columns, the date then the value. Three header dialects are read, detected from the
header (never from the file name):

- ``live``: ``observation_date,<ID>`` (what ``fredgraph.csv`` writes today, e.g. ``observation_date,DGS2``).
- ``legacy``: ``DATE,<ID>`` (the same endpoint's older header).
- ``snapshot``: ``date,<id lower-case>`` (the files of ``../shared/data/snapshot/fred``).

Values are a number, an empty field or ``.`` (older files); the last two mean "no value that day" (a
bond-market holiday) and become NaN, never zero. Rows without a value are kept: they are upstream facts.
Parsing returns long rows with the columns ``FRED_COLUMNS``. Errors name the file, the physical line,
what was expected and what came. Nothing here validates rates: that is the quality gate's job.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.landing import (
    LandingBatch,
    UpstreamFileError,
    combine_parsed,
    relative_to_home,
)
from ingestion.progress import Counter, Progress
from ingestion.schema import Column, names

log = logging.getLogger(__name__)

# The rows' columns, and raw.fred_series' (ingestion/sources/fred.py).
FRED_SCHEMA = (
    Column("series_id", "varchar", "FRED series id (DGS2, DGS3MO, DFF)", not_null=True),
    Column("date", "date", "observation date", not_null=True),
    Column("value", "double", "percent as published; null where FRED has no value"),
)
FRED_COLUMNS = names(FRED_SCHEMA)

# First header field -> dialect.
DATE_FIELDS = {"observation_date": "live", "DATE": "legacy", "date": "snapshot"}
EXPECTED_HEADERS = (
    "'observation_date,<SERIES>' (live endpoint, e.g. observation_date,DGS2), "
    "'DATE,<SERIES>' (older live endpoint) or 'date,<series lower-case>' (snapshot, e.g. date,dgs2)"
)
MISSING_MARKERS = ("", ".")  # FRED's "no value that day": empty (current files) or '.' (older files)

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SERIES_RE = re.compile(r"[A-Za-z0-9_]+")


class SeriesFileError(UpstreamFileError):
    """A FRED series file that cannot be read: names the file, the line where known and the problem."""


@dataclass
class ParsedSeries:
    """One parsed FRED file."""

    path: Path
    series_id: str
    # Columns FRED_COLUMNS: series_id str, date datetime64[us] (tz-naive date as written), value
    # float64 (NaN where upstream had no value: an empty field or '.'). Sorted by date.
    frame: pd.DataFrame
    dialect: str = "live"  # "live" | "legacy" | "snapshot" (from the header)


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


def _read_rows(path: Path, raw: bytes) -> list[tuple[int, list[str]]]:
    """Non-blank CSV rows of ``raw`` with their 1-based physical line numbers (BOM and CRLF allowed)."""
    if not raw:
        raise SeriesFileError(path, "empty file (0 bytes); expected a header line and data rows", line=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SeriesFileError(path, f"not UTF-8 text ({e}); expected a CSV file") from e
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                rows.append((start, [f.strip() for f in fields]))
            start = reader.line_num + 1
    except csv.Error as e:
        raise SeriesFileError(path, f"not readable as CSV ({e})", line=start) from e
    if not rows:
        raise SeriesFileError(path, "no header and no data rows (only blank lines)", line=1)
    return rows


def _header(path: Path, rows: list[tuple[int, list[str]]]) -> tuple[str, str]:
    """The dialect and the series id as written in the header."""
    line, header = rows[0]
    if len(header) != 2 or header[0] not in DATE_FIELDS or not _SERIES_RE.fullmatch(header[1]):
        raise SeriesFileError(
            path, f"unknown header; expected {EXPECTED_HEADERS}, got {','.join(header)!r}", line=line
        )
    return DATE_FIELDS[header[0]], header[1]


def _parse_date(path: Path, value: str, line: int) -> dt.date:
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError("not YYYY-MM-DD")
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise SeriesFileError(path, f"unparseable date {value!r} ({e}); expected YYYY-MM-DD", line) from None


def _parse_value(path: Path, series_id: str, value: str, line: int) -> float:
    if value in MISSING_MARKERS:
        return math.nan
    if not _NUMBER_RE.fullmatch(value):
        raise SeriesFileError(
            path,
            f"{series_id}: expected a number, '.' or an empty field (no value that day), got {value!r}",
            line,
        )
    return float(value)


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": pd.Series([], dtype="str"),
            "date": pd.Series([], dtype="datetime64[us]"),
            "value": pd.Series([], dtype="float64"),
        }
    )


def _parse_rows(path: Path, raw: bytes, series_id: str | None) -> ParsedSeries:
    rows = _read_rows(path, raw)
    dialect, named = _header(path, rows)
    if series_id is not None and series_id.upper() != named.upper():
        raise SeriesFileError(
            path,
            f"header names series {named!r} but series {series_id!r} was expected; got "
            f"{','.join(rows[0][1])!r}",
            line=rows[0][0],
        )
    name = series_id if series_id is not None else named.upper()
    data = rows[1:]
    if not data:
        raise SeriesFileError(
            path,
            "no data rows; expected 'YYYY-MM-DD,<value>' rows after the header, got end of file",
            line=rows[0][0] + 1,
        )

    dates: list[dt.date] = []
    values: list[float] = []
    first_line: dict[dt.date, int] = {}
    for line, fields in data:
        if len(fields) != 2:
            raise SeriesFileError(
                path,
                f"expected 2 fields (date,value) like the header, got {len(fields)} "
                f"(truncated or ragged row {','.join(fields)!r})",
                line,
            )
        day = _parse_date(path, fields[0], line)
        if day in first_line:
            raise SeriesFileError(
                path,
                f"duplicate date {day} on lines {first_line[day]} and {line}; expected one row per date",
                line,
            )
        first_line[day] = line
        dates.append(day)
        values.append(_parse_value(path, name, fields[1], line))

    frame = pd.DataFrame(
        {
            "series_id": pd.Series([name] * len(dates), dtype="str"),
            "date": pd.Series(np.array(dates, dtype="datetime64[D]"), dtype="datetime64[us]"),
            "value": pd.Series(values, dtype="float64"),
        }
    )
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    return ParsedSeries(path=path, series_id=name, frame=frame, dialect=dialect)


def parse_fred_file(path: Path, series_id: str | None = None) -> ParsedSeries:
    """Parse one FRED file (any of the three header dialects) into rows of ``FRED_COLUMNS``.

    ``series_id`` names the series (default: the header's second column upper-cased); a header naming
    another series (compared case-insensitively) is an error.
    """
    path = Path(path)
    return _parse_rows(path, path.read_bytes(), series_id)


# --------------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------------


def parse_fred_batch(
    batch: LandingBatch, start_date: dt.date, home: Path, progress: Progress | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Parse every file of a landing batch into one frame: FRED_COLUMNS + ``landing_file``.

    Keeps rows dated on or after ``start_date`` (rows without a value included, as NaN); the same
    (series, date) from two files is an error. Returns the frame sorted by series and date, and one
    note per series with rows that have no value. ``progress`` receives throttled progress lines.
    """
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    start = pd.Timestamp(start_date)
    counter = Counter("fred", len(batch.files), "files", "parsed", progress)
    for landed in batch.files:
        series_id = landed.symbols[0] if len(landed.symbols) == 1 else None
        parsed = parse_fred_file(landed.path, series_id=series_id)
        frame = parsed.frame[parsed.frame["date"] >= start].copy()
        frame["landing_file"] = pd.Series(
            [relative_to_home(landed.path, home)] * len(frame), index=frame.index, dtype="str"
        )
        frames.append(frame)
        blank = frame["value"].isna()
        if blank.any():
            days = frame.loc[blank, "date"]
            notes.append(
                f"{landed.path.name}: {parsed.series_id}: {int(blank.sum())} of {len(frame)} row(s) have "
                f"no value (empty or '.' upstream, kept as NaN; {days.min():%Y-%m-%d}..{days.max():%Y-%m-%d})"
            )
        counter.advance(landed.path.name, rows=len(frame))

    return combine_parsed(frames, "series_id", _empty_frame(), SeriesFileError), notes


__all__ = [
    "FRED_COLUMNS",
    "ParsedSeries",
    "SeriesFileError",
    "parse_fred_batch",
    "parse_fred_file",
]
