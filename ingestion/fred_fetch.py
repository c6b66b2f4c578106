"""FRED series: land upstream files, a snapshot copy or a live download from the keyless CSV endpoint.

``land_snapshot_fred`` copies ``<snapshot>/fred/<ID>.csv`` into landing byte for byte; ``fetch_live_fred``
downloads each series (one request per series, ``ingestion.downloads.get_with_retries``) and lands
the CSV as upstream sent it. Both return a ``LandingBatch``; ``ingestion.fred`` parses it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests

from ingestion.downloads import BASE_DELAY, MAX_ATTEMPTS, get_with_retries
from ingestion.errors import upstream_unreachable
from ingestion.fred import SeriesFileError, _header, _read_rows
from ingestion.landing import (
    LandedFile,
    LandingBatch,
    UpstreamUnavailableError,
    land_bytes,
    land_snapshot_folder,
)
from ingestion.progress import Counter, Progress

log = logging.getLogger(__name__)


def land_snapshot_fred(
    snapshot_dir: Path, series_ids: Sequence[str], landing_root: Path, progress: Progress | None = None
) -> LandingBatch:
    """Copy ``<snapshot_dir>/fred/<ID>.csv`` of every requested series into landing, byte for byte."""
    return land_snapshot_folder(
        snapshot_dir,
        system="fred",
        wanted=series_ids,
        landing_root=landing_root,
        item="series",
        example="DGS2.csv",
        unwanted_hint="was not requested",
        progress=progress,
    )


# --------------------------------------------------------------------------------------------------
# Live download (keyless CSV endpoint)
# --------------------------------------------------------------------------------------------------

FRED_CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"


def _not_csv_reason(series_id: str, content: bytes) -> str | None:
    """Why a 200 answer is not a FRED CSV of ``series_id`` with data rows, or None when it is one."""
    label = Path(f"{series_id}.csv")
    try:
        rows = _read_rows(label, content)
        _, named = _header(label, rows)
    except SeriesFileError as e:
        snippet = content[:80].decode("utf-8", errors="replace")
        return f"not a FRED CSV ({e.problem}; body starts {snippet!r})"
    if named.upper() != series_id.upper():
        return f"the CSV holds series {named!r}, not {series_id!r}"
    if len(rows) < 2:
        return "the CSV has a header and no observations on or after the start date"
    return None


def fetch_live_fred(
    series_ids: Sequence[str],
    landing_root: Path,
    *,
    start: dt.date,
    end: dt.date | None = None,
    get: Callable[..., Any] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: float = BASE_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 30.0,
    now: Callable[[], dt.datetime] | None = None,
    progress: Progress | None = None,
) -> LandingBatch:
    """Download each series from FRED's keyless CSV endpoint (one request per series) into landing.

    ``end`` is exclusive (FRED's ``coed`` is inclusive, so it gets the day before).
    ``get`` is called as ``get(url, params={"id": ..., "cosd": ...}, timeout=timeout)`` (default
    ``requests.get``). Connection errors, timeouts and HTTP 429/5xx are retried with exponential
    backoff (``base_delay * 2**attempt``). A 404 or other 4xx, or an answer that is not a FRED CSV of
    the series (an HTML error page), makes the series ``missing`` with a note. Each CSV is landed as
    ``<ID>.csv`` byte for byte. Raises UpstreamUnavailableError when no series could be reached.
    ``progress`` receives a line per series (``fred: 2/5 series downloaded (DGS3MO, 2,345 rows)``).
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
    wanted = list(dict.fromkeys(series_ids))
    if not wanted:
        raise ValueError("fetch_live_fred: no series requested")
    if get is None:
        get = requests.get
    clock = now or (lambda: dt.datetime.now(dt.UTC))

    files: list[LandedFile] = []
    missing: list[str] = []
    notes: list[str] = []
    unreachable: dict[str, str] = {}
    counter = Counter("fred", len(wanted), "series", "downloaded", progress)
    for series_id in wanted:
        response, failure = get_with_retries(
            get,
            FRED_CSV_URL,
            {"id": series_id, "cosd": start.isoformat()}
            | ({"coed": (end - dt.timedelta(days=1)).isoformat()} if end else {}),
            what=f"FRED {series_id}",
            max_attempts=max_attempts,
            base_delay=base_delay,
            sleep=sleep,
            timeout=timeout,
            upstream="FRED",
        )
        if response is None:
            unreachable[series_id] = failure
            counter.advance(series_id, detail=f"unreachable: {failure}")
            continue
        if response.status_code != 200:
            missing.append(series_id)
            notes.append(f"missing from FRED: {series_id} (HTTP {response.status_code}; not retried)")
            log.warning("fred live: %s", notes[-1])
            counter.advance(series_id, detail=f"missing: HTTP {response.status_code}")
            continue
        content = bytes(response.content)
        reason = _not_csv_reason(series_id, content)
        if reason is not None:
            missing.append(series_id)
            notes.append(f"missing from FRED: {series_id} (HTTP 200 but {reason})")
            log.warning("fred live: %s", notes[-1])
            counter.advance(series_id, detail="missing: not a FRED CSV")
            continue
        captured_at = clock()
        if captured_at.utcoffset() is None:
            raise ValueError(f"now() must return a timezone-aware datetime, got {captured_at!r}")
        path = land_bytes(content, landing_root, "fred", "live", f"{series_id}.csv")
        files.append(LandedFile(path=path, symbols=(series_id,), captured_at=captured_at.astimezone(dt.UTC)))
        log.info("fred live: %s landed %s", series_id, path)
        counter.advance(series_id, rows=sum(1 for line in content.splitlines()[1:] if line.strip()))

    if len(unreachable) == len(wanted):
        last = unreachable[wanted[-1]]
        raise UpstreamUnavailableError(
            upstream_unreachable(
                f"FRED unreachable after {max_attempts} attempts (last error: {last}): could not download "
                f"{', '.join(wanted)}"
            )
        )
    if unreachable:
        missing.extend(unreachable)
        notes.append(
            "missing from FRED (unreachable after "
            f"{max_attempts} attempts): "
            + ", ".join(f"{s} (last error: {e})" for s, e in unreachable.items())
        )
        log.warning("fred live: %s", notes[-1])
    return LandingBatch(
        system="fred",
        mode="live",
        requested=tuple(wanted),
        files=files,
        missing=missing,
        notes=notes,
    )
