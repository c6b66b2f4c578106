"""Kenneth French data library: land the daily Fama-French factors (snapshot copy or live zip) and parse them.

The file ``F-F_Research_Data_Factors_daily.CSV`` holds one row per trading day: an unnamed ``YYYYMMDD``
first column, then the factors ``Mkt-RF``, ``SMB``, ``HML`` and ``RF`` in percent (``RF`` is the daily
T-bill return). Two dialects are read, detected from the content (never from the file name):

- ``live``: what the library's ``F-F_Research_Data_Factors_daily_CSV.zip`` holds: a few free-text
  description lines (they may contain commas), the header line ``,Mkt-RF,SMB,HML,RF`` (whitespace
  around cells allowed), the data rows ``YYYYMMDD,    0.10,   -0.25,   -0.27,   0.009``, then a blank
  line and a copyright footer (`` Copyright 2024 Kenneth R. French``) that ends the data.
- ``snapshot``: the same without description and footer: the first line is the header (the files of
  ``../shared/data/snapshot/french``).

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
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests

from ingestion.downloads import get_with_retries
from ingestion.errors import SnapshotLayoutError, snapshot_dir_missing, upstream_unreachable
from ingestion.landing import (
    LandedFile,
    LandingBatch,
    UpstreamFileError,
    UpstreamUnavailableError,
    combine_parsed,
    land_bytes,
    land_copy,
    relative_to_home,
)
from ingestion.progress import Counter, Progress

log = logging.getLogger(__name__)

FRENCH_FACTORS = ("Mkt-RF", "SMB", "HML", "RF")
FRENCH_COLUMNS = ("factor", "date", "value")
# The library's "no value" markers (compared as numbers: -99.99, -99.990, -999, -999.00 ...).
MISSING_MARKERS = (-99.99, -999.0)

EXPECTED_HEADER = ",Mkt-RF,SMB,HML,RF"
EXPECTED_ROW = "'YYYYMMDD,<Mkt-RF>,<SMB>,<HML>,<RF>' (e.g. '19260701,    0.10,   -0.25,   -0.27,   0.009')"

_DATE_RE = re.compile(r"\d{8}")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATA_LIKE_RE = re.compile(r"\s*\d{8}\s*,")
_FOOTER_RE = re.compile(r"\s*copyright\b", re.IGNORECASE)


class FactorFileError(UpstreamFileError):
    """A French factors file that cannot be read: names the file, the line where known and the problem."""


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
            f"empty file ({len(raw)} bytes); expected the header {EXPECTED_HEADER!r} and data rows",
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


def _find_header(path: Path, lines: list[str], where: str) -> tuple[int, list[str]]:
    """The 0-based index of the header line and the factor of each value column.

    The header is the first line whose first cell is empty and that has more cells; description lines
    before it are free text. A data row before any header is an error.
    """
    for i, line in enumerate(lines):
        cells = _cells(line)
        if len(cells) > 1 and cells[0] == "":
            names = cells[1:]
            if sorted(names) != sorted(FRENCH_FACTORS):
                raise FactorFileError(
                    path,
                    f"{where}unknown header; expected {EXPECTED_HEADER!r} (an empty first cell, then the "
                    f"factors {', '.join(FRENCH_FACTORS)}), got {line.strip()!r}",
                    line=i + 1,
                )
            return i, names
        if _DATA_LIKE_RE.match(line):
            raise FactorFileError(
                path,
                f"{where}data row before any header line; expected the header {EXPECTED_HEADER!r} first, "
                f"got {line.strip()!r}",
                line=i + 1,
            )
    first = next((line.strip() for line in lines if line.strip()), "")
    raise FactorFileError(
        path,
        f"{where}no header line with the factors {', '.join(FRENCH_FACTORS)} found; expected a line "
        f"{EXPECTED_HEADER!r} (after optional description lines), got none in {len(lines)} line(s) "
        f"starting {first[:80]!r}",
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


def _parse_bytes(path: Path, raw: bytes, where: str = "") -> pd.DataFrame:
    lines = _lines(path, raw)
    head, names = _find_header(path, lines, where)

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
    return frame.sort_values(["factor", "date"], kind="stable").reset_index(drop=True)


def parse_french_file(path: Path) -> pd.DataFrame:
    """Parse one daily factors file (``.CSV``, or a ``.zip`` holding one) into rows of ``FRENCH_COLUMNS``.

    Columns: ``factor`` str (one of FRENCH_FACTORS), ``date`` datetime64[us] (the row's YYYYMMDD),
    ``value`` float64 in percent (NaN where the library wrote -99.99 or -999). Sorted by factor, date.
    """
    path = Path(path)
    raw, where = _read_bytes(path)
    return _parse_bytes(path, raw, where)


# --------------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------------


def parse_french_batch(
    batch: LandingBatch, start_date: dt.date, home: Path, progress: Progress | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Parse every file of a landing batch into one frame: FRENCH_COLUMNS + ``landing_file``.

    Keeps rows dated on or after ``start_date`` (missing values included, as NaN); the same
    (factor, date) from two files is an error naming both. Returns the frame sorted by factor and date,
    and one note per file with missing-value markers. ``progress`` receives a line per file.
    """
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    start = pd.Timestamp(start_date)
    counter = Counter("french", len(batch.files), "files", "parsed", progress)
    for landed in batch.files:
        parsed = parse_french_file(landed.path)
        frame = parsed[parsed["date"] >= start].copy()
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


def land_snapshot_french(
    snapshot_dir: Path, landing_root: Path, progress: Progress | None = None
) -> LandingBatch:
    """Copy every ``<snapshot_dir>/french/*.CSV`` into landing, byte for byte.

    A missing ``french/`` folder, or one without CSV files, gives a batch with every factor ``missing``
    and a note. A missing ``snapshot_dir`` is an error naming the setting (like the other sources).
    """
    snapshot_dir = Path(snapshot_dir)
    folder = snapshot_dir / "french"
    if not snapshot_dir.is_dir():
        raise SnapshotLayoutError(snapshot_dir_missing(snapshot_dir))
    sources = (
        sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if folder.is_dir()
        else []
    )
    batch = LandingBatch(system="french", mode="snapshot", requested=FRENCH_FACTORS)
    if not sources:
        where = "no french/ folder" if not folder.is_dir() else f"no .CSV files in {folder}"
        batch.missing = list(FRENCH_FACTORS)
        batch.notes.append(
            f"not in snapshot: {', '.join(FRENCH_FACTORS)} ({where}; expected "
            f"french/F-F_Research_Data_Factors_daily.CSV in {snapshot_dir})"
        )
        log.warning("french snapshot: %s", batch.notes[-1])
        return batch
    counter = Counter("french", len(sources), "files", "landed", progress)
    for src in sources:
        batch.files.append(
            LandedFile(path=land_copy(src, landing_root, "french", "snapshot"), symbols=FRENCH_FACTORS)
        )
        counter.advance(src.name)
    log.info("french snapshot: landed %d files from %s", len(batch.files), folder)
    return batch


# --------------------------------------------------------------------------------------------------
# Live download (the library's zip)
# --------------------------------------------------------------------------------------------------

FRENCH_DAILY_URL = (
    "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/F-F_Research_Data_Factors_daily_CSV.zip"
)
FRENCH_DAILY_ZIP = "F-F_Research_Data_Factors_daily_CSV.zip"
LIBRARY = "the Kenneth French data library"


def _not_zip_reason(content: bytes) -> str | None:
    """Why a 200 answer is not the library's zip holding one CSV, or None when it is one."""
    snippet = content[:60]
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return f"not a zip archive; body starts {snippet!r}"
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [m.filename for m in archive.infolist() if not m.is_dir()]
    except zipfile.BadZipFile as e:
        return f"not a readable zip archive ({e}); body starts {snippet!r}"
    if sum(n.lower().endswith(".csv") for n in names) != 1:
        return f"a zip archive holding {names!r}, not one CSV file"
    return None


def fetch_live_french(
    landing_root: Path,
    *,
    get: Callable[..., Any] | None = None,
    max_attempts: int = 4,
    base_delay: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 60.0,
    progress: Progress | None = None,
) -> LandingBatch:
    """Download the daily factors zip from the Kenneth French data library into landing.

    One GET of ``FRENCH_DAILY_URL`` (``get(url, params=None, timeout=timeout)``, default
    ``requests.get``); connection errors, timeouts and HTTP 429/5xx are retried with exponential backoff
    (``base_delay * 2**attempt``). The zip is landed byte for byte as ``FRENCH_DAILY_ZIP``. Another
    status (404, ...; not retried) or an answer that is not a zip holding one CSV makes every factor
    ``missing`` with a note. Raises UpstreamUnavailableError when the library cannot be reached.
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
    if get is None:
        get = requests.get
    batch = LandingBatch(system="french", mode="live", requested=FRENCH_FACTORS)
    response, failure = get_with_retries(
        get,
        FRENCH_DAILY_URL,
        None,
        what=f"{LIBRARY} daily factors",
        max_attempts=max_attempts,
        base_delay=base_delay,
        sleep=sleep,
        timeout=timeout,
    )
    if response is None:
        raise UpstreamUnavailableError(
            upstream_unreachable(
                f"{LIBRARY[0].upper()}{LIBRARY[1:]} unreachable after {max_attempts} attempts (last error: "
                f"{failure}): could not download {FRENCH_DAILY_URL}"
            )
        )
    counter = Counter("french", 1, "files", "downloaded", progress)
    content = bytes(response.content) if response.status_code == 200 else b""
    if response.status_code != 200:
        reason = f"HTTP {response.status_code}; not retried"
    else:
        not_zip = _not_zip_reason(content)
        reason = f"HTTP 200 but {not_zip}" if not_zip is not None else None
    if reason is not None:
        batch.missing = list(FRENCH_FACTORS)
        batch.notes.append(
            f"missing from {LIBRARY}: {', '.join(FRENCH_FACTORS)} ({FRENCH_DAILY_ZIP}: {reason})"
        )
        log.warning("french live: %s", batch.notes[-1])
        counter.advance(FRENCH_DAILY_ZIP, detail=f"missing: {reason}")
        return batch
    captured_at = dt.datetime.now(dt.UTC)
    path = land_bytes(content, landing_root, "french", "live", FRENCH_DAILY_ZIP)
    batch.files.append(LandedFile(path=path, symbols=FRENCH_FACTORS, captured_at=captured_at))
    log.info("french live: landed %s", path)
    counter.advance(FRENCH_DAILY_ZIP, detail=f"{len(content):,} bytes")
    return batch


__all__ = [
    "FRENCH_COLUMNS",
    "FRENCH_DAILY_URL",
    "FRENCH_FACTORS",
    "FactorFileError",
    "UpstreamUnavailableError",
    "fetch_live_french",
    "land_snapshot_french",
    "parse_french_batch",
    "parse_french_file",
]
