"""CFTC Traders in Financial Futures (TFF, futures only): parse the landed upstream files into rows
(``ingestion.cftc_fetch`` lands them).

Three kinds of file carry the same report, all read by ``parse_tff_file``:

- the yearly text files ``FinFutYY.txt`` (quoted CSV, 87 columns, fields padded with spaces; what the
  snapshot holds),
- the yearly archives ``fut_fin_txt_<YYYY>.zip`` (one ``FinFutYY.txt`` inside),
- pages of the public reporting API (Socrata dataset ``gpe5-46if``, CSV with lower-case column names,
  dates like ``2024-07-16T00:00:00.000``).

Header names are matched case-insensitively, with ``-`` read as ``_`` and a trailing ``_All`` optional,
so ``Report_Date_as_YYYY-MM-DD`` and ``report_date_as_yyyy_mm_dd`` are the same column. Older archives
name the date column ``Report_Date_as_MM_DD_YYYY`` (``01/03/2017`` with an optional midnight time): it is
accepted when the ISO one is absent. Contract codes are strings (``13874A``, ``090741``): never numbers.
The contract-code rule (``normalize_code``): a code is six characters, digits, capital letters and a
trailing ``+`` (``12460+``); a code a spreadsheet wrote as a number is normalized: a ``.0`` (any zeros)
after the digits is cut and lost leading zeros are restored (``239742.0`` -> ``239742``, ``90741`` ->
``090741``); anything else (``2.39742E+05``, ``23974``x) is a CftcFileError naming file, line and value,
never a row silently skipped.
Positions are float64, NaN where the field is empty (or ``.``). Errors name the file, the physical line,
what was expected and what came. Nothing here checks the report's identities: that is the quality gate's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import re
import zipfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ingestion.calendar import cftc_release_time as release_time
from ingestion.landing import (
    LandingBatch,
    UpstreamFileError,
    relative_to_home,
)
from ingestion.progress import Counter, Progress
from ingestion.schema import Column, names

log = logging.getLogger(__name__)

# The rows' columns, and raw.cftc_tff's (ingestion/sources/cftc.py).
TFF_SCHEMA = (
    Column("report_date", "date", "positions as of this date (a Tuesday)", not_null=True),
    Column("cftc_code", "varchar", "CFTC contract market code (239742, 13874A)", not_null=True),
    Column("market_name", "varchar", "Market_and_Exchange_Names as published that week"),
    Column("open_interest", "double"),
    Column("dealer_long", "double"),
    Column("dealer_short", "double"),
    Column("dealer_spread", "double"),
    Column("asset_mgr_long", "double"),
    Column("asset_mgr_short", "double"),
    Column("asset_mgr_spread", "double"),
    Column("lev_money_long", "double"),
    Column("lev_money_short", "double"),
    Column("lev_money_spread", "double"),
    Column("other_rept_long", "double"),
    Column("other_rept_short", "double"),
    Column("other_rept_spread", "double"),
    Column("tot_rept_long", "double"),
    Column("tot_rept_short", "double"),
    Column("nonrept_long", "double"),
    Column("nonrept_short", "double"),
    Column(
        "available_at",
        "timestamptz",
        "when the report was released (rule: ingestion/calendar.py cftc_release_time)",
    ),
)
TFF_COLUMNS = names(TFF_SCHEMA)
POSITION_COLUMNS = TFF_COLUMNS[3:-1]

# Output column -> upstream column as the yearly text files spell it.
SOURCE_COLUMNS: dict[str, str] = {
    "market_name": "Market_and_Exchange_Names",
    "report_date": "Report_Date_as_YYYY-MM-DD",
    "cftc_code": "CFTC_Contract_Market_Code",
    "open_interest": "Open_Interest_All",
    **{
        f"{group.lower()}_{side.lower()}": f"{group}_Positions_{side}_All"
        for group in ("Dealer", "Asset_Mgr", "Lev_Money", "Other_Rept")
        for side in ("Long", "Short", "Spread")
    },
    **{
        f"{group.lower()}_{side.lower()}": f"{group}_Positions_{side}_All"
        for group in ("Tot_Rept", "NonRept")
        for side in ("Long", "Short")
    },
}
LEGACY_DATE_COLUMN = "Report_Date_as_MM_DD_YYYY"
NEW_YORK = "America/New_York"
MISSING_MARKERS = ("", ".")

_ISO_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]00:00:00(?:\.0+)?)?")
_US_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: 0?0:00(?::00)?(?:\.0+)?(?: ?[AP]M)?)?")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class CftcFileError(UpstreamFileError):
    """A CFTC TFF file that cannot be read: names the file, the line where known and the problem."""


# The first Traders in Financial Futures report (positions as of this Tuesday); history starts here.
FIRST_REPORT = dt.date(2006, 6, 13)


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


def _normal(name: str) -> str:
    """Header name as compared: lower case, '-' as '_', no trailing '_all'."""
    key = name.strip().strip('"').lower().replace("-", "_").replace(" ", "_")
    return key[: -len("_all")] if key.endswith("_all") else key


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; for a .zip archive the bytes of the single text file inside."""
    raw = path.read_bytes()
    if path.suffix.lower() != ".zip" and not raw.startswith(b"PK\x03\x04"):
        return raw
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            texts = [m for m in members if m.filename.lower().endswith((".txt", ".csv"))]
            if len(texts) != 1:
                raise CftcFileError(
                    path,
                    f"expected a zip archive holding one FinFutYY.txt, got {[m.filename for m in members]!r}",
                )
            return archive.read(texts[0])
    except zipfile.BadZipFile as e:
        raise CftcFileError(path, f"not a readable zip archive ({e})") from e


def _read_rows(path: Path, raw: bytes) -> list[tuple[int, list[str]]]:
    """Non-blank CSV rows with their 1-based physical line numbers (BOM and CRLF allowed)."""
    if not raw.strip():
        raise CftcFileError(path, "empty file; expected a TFF header line and data rows", line=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # older CFTC archives are Windows text
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as e:
        raise CftcFileError(path, f"not readable as CSV ({e})", line=start) from e
    if not rows:
        raise CftcFileError(path, "empty file (only blank lines); expected a TFF header and rows", line=1)
    return rows


def _header_index(path: Path, line: int, header: list[str]) -> tuple[dict[str, int], bool]:
    """Output column -> field index, and whether the date is in the MM/DD/YYYY column."""
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        positions.setdefault(_normal(name), i)
    index: dict[str, int] = {}
    absent: list[str] = []
    legacy = False
    for column, source in SOURCE_COLUMNS.items():
        key = _normal(source)
        if key in positions:
            index[column] = positions[key]
        elif column == "report_date" and _normal(LEGACY_DATE_COLUMN) in positions:
            index[column] = positions[_normal(LEGACY_DATE_COLUMN)]
            legacy = True
        else:
            absent.append(source)
    if absent:
        shown = ", ".join(h.strip() for h in header[:6]) + (", ..." if len(header) > 6 else "")
        raise CftcFileError(
            path,
            f"header lacks {len(absent)} required column(s): {', '.join(absent)}; got {len(header)} "
            f"column(s) ({shown}); expected the TFF columns of FinFutYY.txt "
            "(or their lower-case Socrata names)",
            line=line,
        )
    return index, legacy


def _parse_date(path: Path, value: str, legacy: bool, line: int) -> dt.date:
    try:
        if legacy and (m := _US_DATE_RE.fullmatch(value)):
            return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        if m := _ISO_DATE_RE.fullmatch(value):
            return dt.date.fromisoformat(m.group(1))
        raise ValueError("unrecognised format")
    except ValueError as e:
        expected = "MM/DD/YYYY" if legacy else "YYYY-MM-DD"
        raise CftcFileError(
            path, f"unparseable report date {value!r} ({e}); expected {expected}", line
        ) from None


def _parse_number(path: Path, column: str, value: str, line: int) -> float:
    if value in MISSING_MARKERS:
        return math.nan
    if not _NUMBER_RE.fullmatch(value):
        raise CftcFileError(
            path, f"{SOURCE_COLUMNS[column]}: expected a number or an empty field, got {value!r}", line
        )
    return float(value)


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "report_date": pd.Series([], dtype="datetime64[us]"),
            "cftc_code": pd.Series([], dtype="str"),
            "market_name": pd.Series([], dtype="str"),
            **{c: pd.Series([], dtype="float64") for c in POSITION_COLUMNS},
            "available_at": pd.Series([], dtype=f"datetime64[us, {NEW_YORK}]"),
        }
    )[list(TFF_COLUMNS)]


CODE_LENGTH = 6
_CODE_RE = re.compile(r"[0-9A-Z]{5}[0-9A-Z+]")
_NUMERIC_CODE_RE = re.compile(r"(\d{1,6})(?:\.0+)?")


def normalize_code(value: str) -> str | None:
    """The contract-code rule (module docstring): the code, normalized; None if it breaks the rule
    (an empty field is returned as "")."""
    code = value.strip()
    numeric = _NUMERIC_CODE_RE.fullmatch(code)
    if numeric:
        code = numeric.group(1).zfill(CODE_LENGTH)
    return code if not code or _CODE_RE.fullmatch(code) else None


def parse_tff_file(path: Path, codes: Collection[str] | None = None) -> pd.DataFrame:
    """Parse one TFF file (FinFutYY.txt, fut_fin_txt_YYYY.zip or a Socrata CSV page) into TFF_COLUMNS.

    Keeps the rows of the contract ``codes`` (all rows when None); number and date checks apply to
    those rows. ``available_at`` is ``release_time(report_date)``. Sorted by code and report date. A
    header without a required column, text in a number column, the same (report date, code) on two
    lines, or an empty file is a CftcFileError.
    """
    path = Path(path)
    rows = _read_rows(path, _read_bytes(path))
    header_line, header = rows[0]
    index, legacy = _header_index(path, header_line, header)
    wanted = None if codes is None else {c.strip() for c in codes}
    width = max(index.values()) + 1

    records: dict[str, list[Any]] = {c: [] for c in TFF_COLUMNS[:-1]}
    seen: dict[tuple[dt.date, str], int] = {}
    for line, fields in rows[1:]:
        if len(fields) < width:
            raise CftcFileError(
                path,
                f"expected {len(header)} fields like the header, got {len(fields)} (truncated row)",
                line,
            )
        written = fields[index["cftc_code"]]
        code = normalize_code(written)
        if code is None:
            raise CftcFileError(
                path,
                f"CFTC_Contract_Market_Code {written.strip()!r} is not a contract code; expected six "
                "digits or capital letters like 239742 or 13874A (a number written with .0 or without "
                "its leading zeros is normalized)",
                line,
            )
        if wanted is not None and code not in wanted:
            continue
        if not code:
            raise CftcFileError(path, "empty CFTC_Contract_Market_Code; expected a code like 13874A", line)
        day = _parse_date(path, fields[index["report_date"]].strip(), legacy, line)
        if (day, code) in seen:
            raise CftcFileError(
                path,
                f"duplicate report {code} {day} on lines {seen[(day, code)]} and {line}; expected one "
                "row per (report date, contract code)",
                line,
            )
        seen[(day, code)] = line
        records["report_date"].append(day)
        records["cftc_code"].append(code)
        records["market_name"].append(fields[index["market_name"]].strip())
        for column in POSITION_COLUMNS:
            records[column].append(_parse_number(path, column, fields[index[column]].strip(), line))

    if len(rows) == 1:
        raise CftcFileError(path, "no data rows after the header; expected one row per market and week")
    if not records["report_date"]:
        return _empty_frame()
    frame = pd.DataFrame(
        {
            "report_date": pd.Series(pd.to_datetime(records["report_date"]), dtype="datetime64[us]"),
            "cftc_code": pd.Series(records["cftc_code"], dtype="str"),
            "market_name": pd.Series(records["market_name"], dtype="str"),
            **{c: pd.Series(records[c], dtype="float64") for c in POSITION_COLUMNS},
        }
    )
    releases = {d: release_time(d) for d in set(records["report_date"])}
    frame["available_at"] = pd.Series(
        [releases[d] for d in records["report_date"]], dtype=f"datetime64[us, {NEW_YORK}]"
    )
    return frame.sort_values(["cftc_code", "report_date"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------------


def _same_values(a: pd.Series, b: pd.Series) -> list[str]:
    """Position columns where two rows differ (NaN equals NaN)."""
    return [c for c in POSITION_COLUMNS if not (a[c] == b[c] or (math.isnan(a[c]) and math.isnan(b[c])))]


def _week(day: pd.Timestamp) -> int:
    """Index of the Monday-to-Sunday week holding ``day``."""
    return (day.date().toordinal() - 1) // 7


def _gap_notes(frame: pd.DataFrame, codes: Sequence[str]) -> list[str]:
    notes: list[str] = []
    for code in codes:
        dates = frame.loc[frame["cftc_code"] == code, "report_date"].drop_duplicates().sort_values()
        if dates.empty:
            notes.append(f"{code}: no reports in the batch")
            continue
        for before, after in zip(dates.iloc[:-1], dates.iloc[1:], strict=True):
            # Weeks counted Monday to Sunday: a report moved to Monday by a Tuesday holiday is not a gap.
            missing = (_week(after) - _week(before)) - 1
            if (after - before).days > 7 and missing > 0:
                notes.append(
                    f"{code}: no reports between {before:%Y-%m-%d} and {after:%Y-%m-%d} "
                    f"({missing} week{'s' if missing != 1 else ''} missing)"
                )
    return notes


def parse_tff_batch(
    batch: LandingBatch,
    start_date: dt.date,
    home: Path,
    codes: Collection[str],
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Parse every file of a landing batch into one frame: TFF_COLUMNS + ``landing_file``.

    Keeps rows of ``codes`` dated on or after ``start_date``. Files overlap (a year file and a later
    one may both hold a week): the same (report date, code) with identical positions keeps the row of
    the later file (files ordered by name) and gives a note; different positions are a CftcFileError
    naming both files. Notes also report, per code, report dates more than 7 days apart with at least
    one whole report week between them (a Monday report in a week whose Tuesday was a holiday is not
    a gap), and requested codes without any report. Returns the
    frame sorted by code and report date, and the notes. ``progress`` receives throttled lines
    (``cftc: 3/8 files parsed (FinFut19.txt, 156 rows; ...)``).
    """
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    start = pd.Timestamp(start_date)
    frames: list[pd.DataFrame] = []
    ordered = sorted(batch.files, key=lambda f: (Path(f.path).name, str(f.path)))
    counter = Counter("cftc", len(ordered), "files", "parsed", progress)
    for landed in ordered:
        frame = parse_tff_file(landed.path, codes=wanted)
        frame = frame[frame["report_date"] >= start].copy()
        frame["landing_file"] = pd.Series(
            [relative_to_home(landed.path, home)] * len(frame), index=frame.index, dtype="str"
        )
        frames.append(frame)
        counter.advance(Path(landed.path).name, rows=len(frame))
    notes: list[str] = []
    if not frames:
        out = _empty_frame().assign(landing_file=pd.Series([], dtype="str"))
    else:
        out = pd.concat(frames, ignore_index=True)  # file order: the later file's row comes last
    key = ["report_date", "cftc_code"]
    repeated = out.duplicated(key, keep=False)
    if repeated.any():
        overlaps: dict[tuple[str, str], list[pd.Series]] = {}
        for _, group in out[repeated].groupby(key, sort=True):
            kept = group.iloc[-1]
            for _, other in group.iloc[:-1].iterrows():
                differ = _same_values(other, kept)
                if differ:
                    raise CftcFileError(
                        Path(kept["landing_file"]),
                        f"{kept['cftc_code']} {kept['report_date']:%Y-%m-%d} also comes from "
                        f"{other['landing_file']} with other values ({', '.join(differ)}: "
                        f"{', '.join(f'{other[c]:g} vs {kept[c]:g}' for c in differ)}); expected the "
                        "same report in both files",
                    )
                overlaps.setdefault((other["landing_file"], kept["landing_file"]), []).append(kept)
        for (earlier, later), kept_rows in overlaps.items():
            days = [r["report_date"] for r in kept_rows]
            notes.append(
                f"{Path(later).name} and {Path(earlier).name} both hold {len(kept_rows)} identical "
                f"report(s) ({min(days):%Y-%m-%d}..{max(days):%Y-%m-%d}, codes "
                f"{', '.join(sorted({r['cftc_code'] for r in kept_rows}))}); kept those of "
                f"{Path(later).name} (the later file)"
            )
        out = out.drop_duplicates(key, keep="last")
    out = out.sort_values(["cftc_code", "report_date"], kind="stable").reset_index(drop=True)
    notes.extend(_gap_notes(out, wanted))
    for note in notes:
        log.info("cftc %s: %s", batch.mode, note)
    log.info("cftc %s: parsed %d files, %d rows", batch.mode, len(batch.files), len(out))
    return out, notes


__all__ = [
    "TFF_COLUMNS",
    "CftcFileError",
    "parse_tff_batch",
    "parse_tff_file",
    "release_time",
]
