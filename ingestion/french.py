"""Kenneth French data library: parse the landed daily factor files (``ingestion.french_fetch`` lands them).

The library publishes each daily factor set as its own file, with one row per trading day: an unnamed
``YYYYMMDD`` first column, then the factors in percent. Three files are known (:data:`LIBRARY_FILES`),
each recognised by its header line, never by its name:

- ``F-F_Research_Data_Factors_daily``: ``,Mkt-RF,SMB,HML,RF`` (``RF`` is the daily T-bill return);
- ``F-F_Research_Data_5_Factors_2x3_daily``: ``,Mkt-RF,SMB,HML,RMW,CMA,RF`` (profitability and
  investment; its SMB is the five-factor 2x3 SMB, a different portfolio from the three-factor SMB);
- ``F-F_Momentum_Factor_daily``: ``,Mom``.

**One file per factor.** A factor present in two files is taken whole from one of them, its *home file*:
Mkt-RF, SMB, HML and RF from the three-factor file, RMW and CMA from the five-factor file, Mom from the
momentum file (:data:`FRENCH_FACTORS` in that order). The other file's copy is never loaded, not even to
fill dates the home file lacks: files downloaded at different times are different library vintages
(the shared snapshot's three-factor file ends 2024-12-31, the five-factor file 2025-11-28, and their
Mkt-RF differ on about 2% of common days), and a factor spliced from two vintages would change meaning
at the seam. A note names each factor left out of a file and its home file.

A file whose header names factors of no known file (or that has no header line) is of an unknown
layout: it is skipped with a note naming it, never loaded and never a failed build.

Two dialects of each file are read, detected from the content:

- ``live``: what the library's ``<name>_CSV.zip`` holds: free-text description lines (they may contain
  commas), the header line (whitespace around cells allowed), the data rows
  ``YYYYMMDD,    0.10,   -0.25,   -0.27,   0.009``, then a blank line and a copyright footer
  (`` Copyright 2025 Eugene F. Fama and Kenneth R. French``) that ends the data;
- ``snapshot``: the same, with or without the description and footer (the shared snapshot's
  three-factor file starts at its header and has no footer).

Both may have CRLF line endings and a UTF-8 BOM. The library writes ``-99.99`` or ``-999`` where a
value is missing: those become NaN, never a number. Parsing returns long rows with the columns
``FRENCH_COLUMNS``. Errors name the file, the physical line, what was expected and what came. Nothing
here validates the factors: that is the quality gate's job.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import re
import zipfile
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


@dataclass(frozen=True)
class LibraryFile:
    """One daily file of the Kenneth French data library, recognised by the factors of its header."""

    name: str  # the library's name for the file, without extension
    factors: tuple[str, ...]  # the header's factors, in the library's order
    home_of: tuple[str, ...]  # the factors loaded from this file (every factor has one home file)

    @property
    def header(self) -> str:
        return "," + ",".join(self.factors)

    @property
    def zip_name(self) -> str:
        """The library's download of this file: a zip holding ``<name>.CSV``."""
        return f"{self.name}_CSV.zip"


THREE_FACTORS = LibraryFile(
    "F-F_Research_Data_Factors_daily", ("Mkt-RF", "SMB", "HML", "RF"), ("Mkt-RF", "SMB", "HML", "RF")
)
FIVE_FACTORS = LibraryFile(
    "F-F_Research_Data_5_Factors_2x3_daily", ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"), ("RMW", "CMA")
)
MOMENTUM = LibraryFile("F-F_Momentum_Factor_daily", ("Mom",), ("Mom",))
LIBRARY_FILES = (THREE_FACTORS, FIVE_FACTORS, MOMENTUM)

FRENCH_FACTORS = tuple(factor for file in LIBRARY_FILES for factor in file.home_of)
HOME_FILE = {factor: file for file in LIBRARY_FILES for factor in file.home_of}
# The rows' columns, and raw.french_factors' (ingestion/sources/french.py).
FRENCH_SCHEMA = (
    Column("factor", "varchar", "Fama-French factor: Mkt-RF, SMB, HML, RF, RMW, CMA, Mom", not_null=True),
    Column("date", "date", "trading date of the daily return", not_null=True),
    Column("value", "double", "daily return in percent as published; null where missing"),
)
FRENCH_COLUMNS = names(FRENCH_SCHEMA)
# The library's "no value" markers (compared as numbers: -99.99, -99.990, -999, -999.00 ...).
MISSING_MARKERS = (-99.99, -999.0)

KNOWN_HEADERS = ", ".join(f"{f.header!r} ({f.name})" for f in LIBRARY_FILES)
EXPECTED_ROW = "'YYYYMMDD,<factor>,...' (e.g. '19260701,    0.10,   -0.25,   -0.27,   0.009')"

_DATE_RE = re.compile(r"\d{8}")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATA_LIKE_RE = re.compile(r"\s*\d{8}\s*,")
_FOOTER_RE = re.compile(r"\s*copyright\b", re.IGNORECASE)


class FactorFileError(UpstreamFileError):
    """A French factors file that cannot be read: names the file, the line where known and the problem."""


class UnknownLayoutError(FactorFileError):
    """A file that is none of LIBRARY_FILES (its header names other factors, or it has none): batches
    skip it with a note instead of failing."""


@dataclass(frozen=True)
class ParsedFactors:
    """One parsed library file: which file it is and its rows (columns FRENCH_COLUMNS, every factor of
    its header)."""

    library_file: LibraryFile
    frame: pd.DataFrame


def library_file_of(names: list[str]) -> LibraryFile | None:
    """The known library file whose header holds exactly these factors (in any order), or None."""
    if len(set(names)) != len(names):
        return None
    return next((f for f in LIBRARY_FILES if set(f.factors) == set(names)), None)


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


def _read_bytes(path: Path) -> tuple[bytes, str]:
    """The file's bytes and a prefix naming the CSV inside a zip ('' for a plain file).

    A ``.zip`` (by name or by its ``PK`` signature) must hold exactly one ``.csv`` member.
    """
    raw = path.read_bytes()
    if path.suffix.lower() != ".zip" and not raw.startswith(b"PK\x03\x04"):
        return raw, ""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            csvs = [m for m in members if m.filename.lower().endswith(".csv")]
            if len(csvs) != 1:
                raise FactorFileError(
                    path,
                    "expected a zip archive holding one CSV file (e.g. F-F_Research_Data_Factors_daily.CSV), "
                    f"got {len(csvs)} CSV file(s) among {[m.filename for m in members]!r}",
                )
            return archive.read(csvs[0]), f"{csvs[0].filename} (in the zip): "
    except zipfile.BadZipFile as e:
        raise FactorFileError(path, f"not a readable zip archive ({e})") from e


def _lines(path: Path, raw: bytes) -> list[str]:
    """The file's physical lines (index 0 = line 1), BOM removed, CRLF/LF/CR accepted."""
    if not raw.strip():
        raise FactorFileError(
            path,
            f"empty file ({len(raw)} bytes); expected one of the library's headers {KNOWN_HEADERS} and "
            "data rows",
            line=1,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise FactorFileError(
            path, f"not UTF-8 text ({e}); expected a CSV file of daily factors", line=line
        ) from None
    return io.StringIO(text, newline=None).read().split("\n")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split(",")]


def _find_header(path: Path, lines: list[str], where: str) -> tuple[int, list[str], LibraryFile]:
    """The 0-based index of the header line, the factor of each value column and the library file.

    The header is the first line whose first cell is empty and that has more cells; description lines
    before it are free text. A data row before any header is an error; a header of no known file, or
    no header at all, is an UnknownLayoutError.
    """
    for i, line in enumerate(lines):
        cells = _cells(line)
        if len(cells) > 1 and cells[0] == "":
            names = cells[1:]
            library_file = library_file_of(names)
            if library_file is None:
                raise UnknownLayoutError(
                    path,
                    f"{where}unknown header; expected one of the library's daily files: {KNOWN_HEADERS} "
                    f"(an empty first cell, then the factors in any order), got {line.strip()!r}",
                    line=i + 1,
                )
            return i, names, library_file
        if _DATA_LIKE_RE.match(line):
            raise FactorFileError(
                path,
                f"{where}data row before any header line; expected a header such as {THREE_FACTORS.header!r} "
                f"first, got {line.strip()!r}",
                line=i + 1,
            )
    first = next((line.strip() for line in lines if line.strip()), "")
    raise UnknownLayoutError(
        path,
        f"{where}no header line of a known factors file found; expected one of {KNOWN_HEADERS} (after "
        f"optional description lines), got none in {len(lines)} line(s) starting {first[:80]!r}",
        line=1,
    )


def _parse_date(path: Path, value: str, line: int, where: str) -> dt.date:
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError("not 8 digits")
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as e:
        raise FactorFileError(
            path, f"{where}unparseable date {value!r} ({e}); expected a real date as YYYYMMDD", line
        ) from None


def _parse_value(path: Path, factor: str, value: str, line: int, where: str) -> float:
    if not _NUMBER_RE.fullmatch(value):
        raise FactorFileError(
            path,
            f"{where}{factor}: expected a number in percent (or -99.99/-999 for missing), got {value!r}",
            line,
        )
    number = float(value)
    return math.nan if number in MISSING_MARKERS else number


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "factor": pd.Series([], dtype="str"),
            "date": pd.Series([], dtype="datetime64[us]"),
            "value": pd.Series([], dtype="float64"),
        }
    )


def _parse_bytes(path: Path, raw: bytes, where: str = "") -> ParsedFactors:
    lines = _lines(path, raw)
    head, names, library_file = _find_header(path, lines, where)

    dates: list[dt.date] = []
    columns: list[list[float]] = [[] for _ in names]
    first_line: dict[dt.date, int] = {}
    previous: tuple[dt.date, int] | None = None
    footer: int | None = None
    for i in range(head + 1, len(lines)):
        line, text = i + 1, lines[i]
        if not text.strip():
            continue
        if footer is not None:
            if _DATA_LIKE_RE.match(text):
                raise FactorFileError(
                    path,
                    f"{where}data row after the copyright footer on line {footer}; expected the footer to "
                    f"end the data, got {text.strip()!r}",
                    line,
                )
            continue
        if _FOOTER_RE.match(text):
            footer = line
            continue
        fields = _cells(text)
        if len(fields) != len(names) + 1:
            raise FactorFileError(
                path,
                f"{where}expected {len(names) + 1} fields {EXPECTED_ROW} like the header on line {head + 1}, "
                f"got {len(fields)} (truncated or ragged row {text.strip()!r})",
                line,
            )
        day = _parse_date(path, fields[0], line, where)
        if day in first_line:
            raise FactorFileError(
                path,
                f"{where}duplicate date {fields[0]} on lines {first_line[day]} and {line}; expected one row "
                "per date",
                line,
            )
        if previous is not None and day < previous[0]:
            raise FactorFileError(
                path,
                f"{where}dates not increasing: expected a date after {previous[0]:%Y%m%d} (line {previous[1]}), "
                f"got {fields[0]}",
                line,
            )
        first_line[day] = line
        previous = (day, line)
        dates.append(day)
        for column, factor, value in zip(columns, names, fields[1:], strict=True):
            column.append(_parse_value(path, factor, value, line, where))

    if not dates:
        raise FactorFileError(
            path,
            f"{where}no data rows; expected {EXPECTED_ROW} rows after the header, got "
            + (f"the footer on line {footer}" if footer is not None else "end of file"),
            line=head + 2,
        )

    day_values = pd.Series(np.array(dates, dtype="datetime64[D]"), dtype="datetime64[us]")
    frames = [
        pd.DataFrame(
            {
                "factor": pd.Series([factor] * len(dates), dtype="str"),
                "date": day_values,
                "value": pd.Series(column, dtype="float64"),
            }
        )
        for factor, column in zip(names, columns, strict=True)
    ]
    frame = pd.concat(frames, ignore_index=True)
    return ParsedFactors(
        library_file, frame.sort_values(["factor", "date"], kind="stable").reset_index(drop=True)
    )


def read_french_file(path: Path) -> ParsedFactors:
    """Parse one daily factors file (``.CSV``, or a ``.zip`` holding one): which library file it is and
    its rows of ``FRENCH_COLUMNS``, every factor of its header.

    Columns: ``factor`` str, ``date`` datetime64[us] (the row's YYYYMMDD), ``value`` float64 in percent
    (NaN where the library wrote -99.99 or -999). Sorted by factor, date. Raises UnknownLayoutError
    for a file of no known layout, FactorFileError for a known file that cannot be read.
    """
    path = Path(path)
    raw, where = _read_bytes(path)
    return _parse_bytes(path, raw, where)


def parse_french_file(path: Path) -> pd.DataFrame:
    """The rows of one daily factors file (see :func:`read_french_file`), every factor of its header."""
    return read_french_file(path).frame


# --------------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------------


def _not_from_here(name: str, library_file: LibraryFile, left_out: list[str]) -> str:
    homes = "; ".join(
        f"{', '.join(f for f in left_out if HOME_FILE[f] is home)} from {home.name}"
        for home in LIBRARY_FILES
        if any(HOME_FILE[f] is home for f in left_out)
    )
    return (
        f"{name} ({library_file.name}): {', '.join(left_out)} not loaded from this file: each factor comes "
        f"whole from its own library file ({homes}), never spliced from two files or vintages"
    )


def parse_french_batch(
    batch: LandingBatch, start_date: dt.date, home: Path, progress: Progress | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Parse every file of a landing batch into one frame: FRENCH_COLUMNS + ``landing_file``.

    Each file contributes the factors it is the home file of (the others get a note); a file of an
    unknown layout is skipped with a note. Keeps rows dated on or after ``start_date`` (missing values
    included, as NaN); the same (factor, date) from two files is an error naming both. Returns the frame
    sorted by factor and date, and the notes (skipped files and factors, missing-value markers).
    ``progress`` receives a line per file.
    """
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    start = pd.Timestamp(start_date)
    counter = Counter("french", len(batch.files), "files", "parsed", progress)
    for landed in batch.files:
        try:
            parsed = read_french_file(landed.path)
        except UnknownLayoutError as e:
            notes.append(_skipped(landed.path.name, e))
            log.warning("french: %s", notes[-1])
            counter.advance(landed.path.name, detail="skipped: unknown layout")
            continue
        library_file = parsed.library_file
        left_out = [f for f in library_file.factors if f not in library_file.home_of]
        if left_out:
            notes.append(_not_from_here(landed.path.name, library_file, left_out))
        frame = parsed.frame
        frame = frame[(frame["date"] >= start) & frame["factor"].isin(library_file.home_of)].copy()
        frame["landing_file"] = pd.Series(
            [relative_to_home(landed.path, home)] * len(frame), index=frame.index, dtype="str"
        )
        frames.append(frame)
        blank = frame["value"].isna()
        if blank.any():
            per_factor = frame.loc[blank].groupby("factor", sort=True)["date"].agg(["size", "min", "max"])
            detail = "; ".join(
                f"{factor} {int(row['size'])} ({row['min']:%Y-%m-%d}..{row['max']:%Y-%m-%d})"
                for factor, row in per_factor.iterrows()
            )
            notes.append(
                f"{landed.path.name}: {int(blank.sum())} of {len(frame)} value(s) are missing markers "
                f"(-99.99 or -999 upstream, kept as NaN): {detail}"
            )
        counter.advance(landed.path.name, rows=len(frame))

    return combine_parsed(frames, "factor", _empty_frame(), FactorFileError), notes


def _skipped(name: str, error: UnknownLayoutError) -> str:
    return f"skipped {name}, a file of an unknown layout (line {error.line}): {error.problem}"


def _sniff(path: Path) -> LibraryFile | UnknownLayoutError | None:
    """The library file ``path`` is (its header alone decides), the error saying it is none, or None
    for a file that cannot be read at all (its parse names the problem)."""
    try:
        raw, where = _read_bytes(path)
        return _find_header(path, _lines(path, raw), where)[2]
    except UnknownLayoutError as e:
        return e
    except FactorFileError:
        return None


__all__ = [
    "FIVE_FACTORS",
    "FRENCH_COLUMNS",
    "FRENCH_FACTORS",
    "HOME_FILE",
    "LIBRARY_FILES",
    "MOMENTUM",
    "THREE_FACTORS",
    "FactorFileError",
    "LibraryFile",
    "ParsedFactors",
    "UnknownLayoutError",
    "parse_french_batch",
    "parse_french_file",
    "read_french_file",
]
