"""CFTC Traders in Financial Futures (TFF): land upstream files, a snapshot copy or a live download.

``land_snapshot_cftc`` copies ``<snapshot>/cftc/FinFut*.txt`` into landing byte for byte;
``fetch_live_cftc`` downloads the yearly archives ``fut_fin_txt_<YYYY>.zip`` before the current year
and pages of the public reporting API (Socrata ``gpe5-46if``) for it, each request under
``ingestion.downloads.get_with_retries``, and lands every answer as upstream sent it. Both return a
``LandingBatch``; ``ingestion.cftc`` parses it.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests

from ingestion.cftc import _CODE_RE, CftcFileError, _header_index, _read_rows
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
    UpstreamUnavailableError,
    land_bytes,
    land_copy,
    require_inside_snapshot,
    unknown_files_note,
)
from ingestion.progress import Counter, Progress

log = logging.getLogger(__name__)


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
