"""Kenneth French data library: land the daily factor files, snapshot copies or live zips.

``land_snapshot_french`` copies every ``<snapshot>/french/*.CSV`` of a known library file (recognised
by its header, ``ingestion.french``) into landing byte for byte; ``fetch_live_french`` downloads the
daily zip of every ``LIBRARY_FILES`` file under ``ingestion.downloads.get_with_retries`` and lands it
as upstream sent it. Both return a ``LandingBatch``; ``ingestion.french`` parses it.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from ingestion.downloads import BASE_DELAY, MAX_ATTEMPTS, get_with_retries
from ingestion.errors import SnapshotLayoutError, snapshot_dir_missing, upstream_unreachable
from ingestion.french import (
    FRENCH_FACTORS,
    HOME_FILE,
    LIBRARY_FILES,
    LibraryFile,
    UnknownLayoutError,
    _skipped,
    _sniff,
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


def land_snapshot_french(
    snapshot_dir: Path, landing_root: Path, progress: Progress | None = None
) -> LandingBatch:
    """Copy every ``<snapshot_dir>/french/*.CSV`` of a known library file into landing, byte for byte.

    Each file is recognised by its header: one of no known layout is skipped with a note. The factors
    requested are those whose home file is there; the others get a note (``not in snapshot``). A missing ``french/`` folder, or one without any known file,
    gives a batch with every factor ``missing`` and a note. A missing ``snapshot_dir`` is an error
    naming the setting (like the other sources).
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
    require_inside_snapshot(sources, snapshot_dir)  # before the sniff reads a line of any of them
    unknown = unknown_files_note(folder, sources, "a .CSV file of the library (french/*.CSV)")
    notes: list[str] = [unknown] if unknown else []
    found: list[tuple[LibraryFile | None, Path]] = []
    for src in sources:
        kind = _sniff(src)
        if isinstance(kind, UnknownLayoutError):
            notes.append(_skipped(src.name, kind))
        else:
            found.append((kind, src))  # None: unreadable, landed so that its parse names the problem
    kinds = {kind for kind, _ in found}
    requested = tuple(f for f in FRENCH_FACTORS if HOME_FILE[f] in kinds)
    absent = [f for f in FRENCH_FACTORS if f not in requested]
    batch = LandingBatch(system="french", mode="snapshot", requested=requested, notes=notes)
    if absent:
        where = "no french/ folder" if not folder.is_dir() else f"no file of their kind in {folder}"
        expected = " and ".join(sorted({f"french/{HOME_FILE[f].name}.CSV" for f in absent}))
        batch.notes.append(
            f"not in snapshot: {', '.join(absent)} ({where}; expected {expected} in {snapshot_dir}, "
            "recognised by its header)"
        )
    for note in batch.notes:
        log.warning("french snapshot: %s", note)
    if not found:
        batch.missing = list(FRENCH_FACTORS)
        batch.requested = FRENCH_FACTORS
        return batch
    counter = Counter("french", len(found), "files", "landed", progress)
    for kind, src in found:
        batch.files.append(
            LandedFile(
                path=land_copy(src, landing_root, "french", "snapshot"),
                symbols=kind.home_of if kind is not None else (),
            )
        )
        counter.advance(src.name)
    log.info("french snapshot: landed %d files from %s", len(batch.files), folder)
    return batch


# --------------------------------------------------------------------------------------------------
# Live download (the library's zips)
# --------------------------------------------------------------------------------------------------

LIBRARY_FTP = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp"
LIBRARY = "the Kenneth French data library"


def library_url(library_file: LibraryFile) -> str:
    return f"{LIBRARY_FTP}/{library_file.zip_name}"


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
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: float = BASE_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 60.0,
    progress: Progress | None = None,
) -> LandingBatch:
    """Download the daily zip of every LIBRARY_FILES file from the Kenneth French data library into landing.

    One GET per file (``get(url, params=None, timeout=timeout)``, default ``requests.get``); connection
    errors, timeouts and HTTP 429/5xx are retried with exponential backoff (``base_delay * 2**attempt``).
    Each zip is landed byte for byte under its library name. Another status (404, ...; not retried) or
    an answer that is not a zip holding one CSV makes that file's factors ``missing`` with a note.
    Raises UpstreamUnavailableError when the library cannot be reached.
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
    if get is None:
        get = requests.get
    batch = LandingBatch(system="french", mode="live", requested=FRENCH_FACTORS)
    counter = Counter("french", len(LIBRARY_FILES), "files", "downloaded", progress)
    for library_file in LIBRARY_FILES:
        url = library_url(library_file)
        response, failure = get_with_retries(
            get,
            url,
            None,
            what=f"{LIBRARY} {library_file.name}",
            max_attempts=max_attempts,
            base_delay=base_delay,
            sleep=sleep,
            timeout=timeout,
            upstream=f"{LIBRARY[0].upper()}{LIBRARY[1:]}",
        )
        if response is None:
            raise UpstreamUnavailableError(
                upstream_unreachable(
                    f"{LIBRARY[0].upper()}{LIBRARY[1:]} unreachable after {max_attempts} attempts (last "
                    f"error: {failure}): could not download {url}"
                )
            )
        content = bytes(response.content) if response.status_code == 200 else b""
        if response.status_code != 200:
            reason = f"HTTP {response.status_code}; not retried"
        else:
            not_zip = _not_zip_reason(content)
            reason = f"HTTP 200 but {not_zip}" if not_zip is not None else None
        if reason is not None:
            batch.missing.extend(library_file.home_of)
            batch.notes.append(
                f"missing from {LIBRARY}: {', '.join(library_file.home_of)} ({library_file.zip_name}: {reason})"
            )
            log.warning("french live: %s", batch.notes[-1])
            counter.advance(library_file.zip_name, detail=f"missing: {reason}")
            continue
        captured_at = dt.datetime.now(dt.UTC)
        path = land_bytes(content, landing_root, "french", "live", library_file.zip_name)
        batch.files.append(LandedFile(path=path, symbols=library_file.home_of, captured_at=captured_at))
        log.info("french live: landed %s", path)
        counter.advance(library_file.zip_name, detail=f"{len(content):,} bytes")
    return batch
