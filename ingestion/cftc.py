"""CFTC Traders in Financial Futures (TFF, futures only): land upstream files and parse them.

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
import time
import zipfile
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from ingestion.calendar import cftc_release_time as release_time
from ingestion.downloads import BASE_DELAY, MAX_ATTEMPTS, get_with_retries
from ingestion.errors import (
    SnapshotLayoutError,
    require_snapshot_folder,
    snapshot_folder_empty,
    upstream_unreachable,
)
from ingestion.landing import (
    LandedFile,
    LandingBatch,
    UpstreamFileError,
    UpstreamUnavailableError,
    land_bytes,
    land_copy,
    relative_to_home,
    require_inside_snapshot,
    unknown_files_note,
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
_CODE_RE = re.compile(r"[A-Za-z0-9]+")


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


def _check_codes(codes: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    if not wanted:
        raise ValueError("no CFTC contract codes requested")
    bad = [c for c in wanted if not _CODE_RE.fullmatch(c)]
    if bad:
        raise ValueError(f"CFTC contract codes are letters and digits like 13874A, got {bad!r}")
    return wanted


def land_snapshot_cftc(
    snapshot_dir: Path, codes: Sequence[str], landing_root: Path, progress: Progress | None = None
) -> LandingBatch:
    """Copy every ``<snapshot_dir>/cftc/FinFut*.txt`` (names matched ignoring case) into landing, byte
    for byte.

    Each file holds every market of its year, so ``LandedFile.symbols`` is empty and ``requested`` is
    the contract codes to parse. A missing folder or one without FinFut files is a SnapshotLayoutError
    (a FileNotFoundError). ``progress`` receives throttled lines (``cftc: 3/8 files landed (...)``).
    """
    wanted = _check_codes(codes)
    expected = "cftc/FinFutYY.txt files, e.g. cftc/FinFut24.txt"
    folder = require_snapshot_folder(Path(snapshot_dir), "cftc", expected)
    # File names ignoring case: finfut24.txt and FINFUT24.TXT are FinFut files too.
    sources = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.name.lower().startswith("finfut") and p.suffix.lower() == ".txt"
    )
    if not sources:
        raise SnapshotLayoutError(snapshot_folder_empty(folder, "FinFut*.txt", expected))
    require_inside_snapshot(sources, Path(snapshot_dir))
    notes = [n for n in [unknown_files_note(folder, sources, expected)] if n]
    for note in notes:
        log.warning("cftc snapshot: %s", note)
    counter = Counter("cftc", len(sources), "files", "landed", progress)
    files = []
    for src in sources:
        files.append(LandedFile(path=land_copy(src, landing_root, "cftc", "snapshot"), symbols=()))
        counter.advance(src.name)
    log.info("cftc snapshot: landed %d files from %s", len(files), folder)
    return LandingBatch(system="cftc", mode="snapshot", requested=tuple(wanted), files=files, notes=notes)


# --------------------------------------------------------------------------------------------------
# Live download (public reporting API for the current year, yearly archives before it)
# --------------------------------------------------------------------------------------------------

SOCRATA_URL = "https://publicreporting.cftc.gov/resource/gpe5-46if.csv"
ARCHIVE_URL = "https://www.cftc.gov/files/dea/history/fut_fin_txt_{year}.zip"
PAGE_SIZE = 50000


def _request(
    get: Callable[..., Any], url: str, params: dict[str, Any] | None, *, what: str, **retry: Any
) -> Any:
    """One download with retries; UpstreamUnavailableError when every attempt failed."""
    response, failure = get_with_retries(get, url, params, what=f"CFTC {what}", upstream="CFTC", **retry)
    if response is None:
        raise UpstreamUnavailableError(
            upstream_unreachable(
                f"CFTC unreachable after {retry['max_attempts']} attempts (last error: {failure}): could "
                f"not download {what}"
            )
        )
    return response


def _existing_archive(landing_root: Path, year: int) -> Path | None:
    found = sorted((Path(landing_root) / "cftc" / "live").glob(f"**/fut_fin_txt_{year}.zip"))
    return found[0] if found else None


def _data_rows(content: bytes) -> int | None:
    """Data rows in a Socrata CSV page, or None when it is not a TFF CSV."""
    label = Path("socrata.csv")
    try:
        rows = _read_rows(label, content)
        _header_index(label, rows[0][0], rows[0][1])
    except CftcFileError:
        return None
    return len(rows) - 1


def fetch_live_cftc(
    codes: Sequence[str],
    landing_root: Path,
    *,
    start: dt.date,
    end: dt.date | None = None,
    get: Callable[..., Any] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: float = BASE_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 60.0,
    today: dt.date | None = None,
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
) -> LandingBatch:
    """Download TFF reports from ``start`` to ``end`` (default today) into landing.

    Years before the current one come from the yearly archives ``fut_fin_txt_<YYYY>.zip`` (every
    market; an archive already in ``<landing_root>/cftc/live`` is reused, not downloaded again); the
    current year from the public reporting API (Socrata ``gpe5-46if``, filtered by code and date,
    ``$limit`` 50000 with ``$offset`` paging until a short page), each page landed byte for byte as
    ``socrata_<start>_<end>_<page>.csv``. ``get`` is called as ``get(url, params=..., timeout=...)``
    (default ``requests.get``). Connection errors, timeouts and HTTP 429/5xx are retried with
    exponential backoff (``base_delay * 2**attempt``); a request still failing after ``max_attempts``
    raises UpstreamUnavailableError (files landed so far stay in landing). A 404 or an answer that is
    not a zip / TFF CSV gives a note (the gap then shows in ``parse_tff_batch``'s notes).
    ``progress`` receives throttled lines, one item per yearly archive and one for the API
    (``cftc: 3/8 downloads done (fut_fin_txt_2019.zip)``).
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
    wanted = _check_codes(codes)
    if get is None:
        get = requests.get
    today = today or dt.date.today()
    end = end or today
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    retry = {"max_attempts": max_attempts, "base_delay": base_delay, "sleep": sleep, "timeout": timeout}
    files: list[LandedFile] = []
    notes: list[str] = []
    years = range(start.year, min(end.year, today.year - 1) + 1)
    api_start = max(start, dt.date(today.year, 1, 1))
    counter = Counter("cftc", len(years) + int(api_start <= end), "downloads", "done", progress)

    for year in years:
        name = f"fut_fin_txt_{year}.zip"
        existing = _existing_archive(landing_root, year)
        if existing is not None:
            files.append(LandedFile(path=existing, symbols=()))
            notes.append(f"{name}: already in landing ({existing}); not downloaded again")
            log.info("cftc live: %s", notes[-1])
            counter.advance(name, detail="already in landing")
            continue
        url = ARCHIVE_URL.format(year=year)
        response = _request(get, url, None, what=name, **retry)
        content = bytes(response.content)
        if response.status_code != 200:
            notes.append(f"missing from the CFTC: {name} (HTTP {response.status_code}; not retried)")
        elif not zipfile.is_zipfile(io.BytesIO(content)):
            notes.append(f"missing from the CFTC: {name} (HTTP 200 but not a zip; starts {content[:60]!r})")
        else:
            path = land_bytes(content, landing_root, "cftc", "live", name)
            files.append(LandedFile(path=path, symbols=(), captured_at=dt.datetime.now(dt.UTC)))
            log.info("cftc live: landed %s", path)
            counter.advance(name, detail=f"{len(content):,} bytes")
            continue
        log.warning("cftc live: %s", notes[-1])
        counter.advance(name, detail="missing")

    if api_start <= end:
        quoted = ", ".join(f"'{c}'" for c in wanted)
        where = (
            f"cftc_contract_market_code in ({quoted}) and report_date_as_yyyy_mm_dd between "
            f"'{api_start.isoformat()}T00:00:00' and '{end.isoformat()}T00:00:00'"
        )
        page = 0
        api_rows = 0
        while True:
            params = {
                "$where": where,
                "$order": "report_date_as_yyyy_mm_dd, cftc_contract_market_code",
                "$limit": page_size,
                "$offset": page * page_size,
            }
            what = f"Socrata page {page} ({api_start}..{end})"
            response = _request(get, SOCRATA_URL, params, what=what, **retry)
            content = bytes(response.content)
            if response.status_code != 200:
                notes.append(f"missing from the CFTC API: {what} (HTTP {response.status_code}; not retried)")
                log.warning("cftc live: %s", notes[-1])
                break
            count = _data_rows(content)
            if count is None:
                notes.append(f"missing from the CFTC API: {what} (HTTP 200 but not a TFF CSV)")
                log.warning("cftc live: %s", notes[-1])
                break
            if count == 0:
                if page == 0:
                    notes.append(f"the CFTC API has no reports for {', '.join(wanted)} in {api_start}..{end}")
                break
            name = f"socrata_{api_start}_{end}_{page:03d}.csv"
            path = land_bytes(content, landing_root, "cftc", "live", name)
            files.append(LandedFile(path=path, symbols=tuple(wanted), captured_at=dt.datetime.now(dt.UTC)))
            log.info("cftc live: landed %s (%d rows)", path, count)
            api_rows += count
            if count < page_size:
                break
            page += 1
        counter.advance(f"CFTC API {api_start}..{end}", rows=api_rows, detail=f"{page + 1} page(s)")

    return LandingBatch(system="cftc", mode="live", requested=tuple(wanted), files=files, notes=notes)


__all__ = [
    "TFF_COLUMNS",
    "CftcFileError",
    "UpstreamUnavailableError",
    "fetch_live_cftc",
    "land_snapshot_cftc",
    "parse_tff_batch",
    "parse_tff_file",
    "release_time",
]
