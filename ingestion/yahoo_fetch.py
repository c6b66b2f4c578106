"""Yahoo Finance prices: land upstream files, a snapshot copy or a live yfinance download.

``land_snapshot`` copies ``<snapshot>/yahoo/<SYMBOL>.csv`` into landing with each file's capture time
(``captured_at.csv``); ``fetch_live`` downloads daily bars in batched requests under
``ingestion.downloads.with_retries`` and lands each response as upstream sent it. Both return a
``LandingBatch``; ``ingestion.yahoo`` parses it.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ingestion.downloads import BASE_DELAY, MAX_ATTEMPTS, not_transient, unreachable_at_once, with_retries
from ingestion.errors import upstream_unreachable
from ingestion.landing import (
    CAPTURE_TIMES_FILE,
    LandedFile,
    LandingBatch,
    UpstreamUnavailableError,
    land_bytes,
    land_snapshot_folder,
    read_capture_times,
)
from ingestion.progress import Counter, Progress
from ingestion.yahoo import FIELDS, NO_CAPTURE_TIMES_NOTE

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------
# Snapshot
# --------------------------------------------------------------------------------------------------


def land_snapshot(
    snapshot_dir: Path,
    universe_symbols: Sequence[str],
    landing_root: Path,
    progress: Progress | None = None,
) -> LandingBatch:
    """Copy ``<snapshot_dir>/yahoo/<SYMBOL>.csv`` of every universe symbol into landing, byte for byte,
    each with its capture time from ``<snapshot_dir>/captured_at.csv`` (``read_capture_times``).

    Without that file every file's last bar is judged by the heuristic, and one note says so; a
    landed file without an entry, and an entry for a file the snapshot does not have, are noted too.
    """
    batch = land_snapshot_folder(
        snapshot_dir,
        system="yahoo",
        wanted=universe_symbols,
        landing_root=landing_root,
        item="symbol",
        example="^RUT.csv",
        unwanted_hint="is not in the instrument universe; add it to dbt_project/seeds/instruments.csv to load it",
        progress=progress,
    )
    capture = read_capture_times(snapshot_dir)
    notes = []
    if capture is None:
        notes.append(NO_CAPTURE_TIMES_NOTE.format(path=Path(snapshot_dir) / CAPTURE_TIMES_FILE))
    else:
        keys = [f"yahoo/{f.path.name}" for f in batch.files]
        batch.files = [
            replace(f, captured_at=capture.times.get(key)) for f, key in zip(batch.files, keys, strict=True)
        ]
        unlisted = [key for key in keys if key not in capture.times]
        if unlisted:
            notes.append(
                f"no capture time in {capture.path} for {', '.join(unlisted)}: their last bar is judged by "
                "the heuristic (a time of day, or volume 0 after traded days, makes it partial)"
            )
        absent = capture.missing_files(snapshot_dir)
        if absent:
            notes.append(f"{capture.path} lists files the snapshot does not have: {', '.join(absent)}")
    for note in notes:
        log.info("yahoo snapshot: %s", note)
    batch.notes.extend(notes)
    return batch


# --------------------------------------------------------------------------------------------------
# Live download (yfinance)
# --------------------------------------------------------------------------------------------------


def _as_two_level(frame: pd.DataFrame, chunk: Sequence[str]) -> pd.DataFrame:
    """Columns as a (Price, Ticker) MultiIndex, whatever the yfinance version did with them."""
    if isinstance(frame.columns, pd.MultiIndex):
        if frame.columns.nlevels != 2:
            raise ValueError(
                f"yfinance returned {frame.columns.nlevels} column levels for {', '.join(chunk)}; "
                "expected 2 (Price, Ticker)"
            )
        columns = frame.columns
    elif len(chunk) == 1:
        columns = pd.MultiIndex.from_tuples([(str(c), chunk[0]) for c in frame.columns])
    else:
        raise ValueError(
            f"yfinance returned single-level columns {list(frame.columns)} for {len(chunk)} "
            "symbols; expected a (Price, Ticker) MultiIndex"
        )
    unknown = sorted(set(columns.get_level_values(0)) - set(FIELDS))
    if unknown:
        raise ValueError(
            f"yfinance returned unknown price fields {unknown} for {', '.join(chunk)}; expected "
            f"(Price, Ticker) columns with Price in {list(FIELDS)}"
        )
    frame = frame.copy()
    frame.columns = columns.set_names(["Price", "Ticker"])
    frame.index.name = "Date"
    return frame


def _delivered(frame: pd.DataFrame, chunk: Sequence[str]) -> list[str]:
    """Chunk symbols with at least one value in the frame."""
    tickers = frame.columns.get_level_values(1)
    return [s for s in chunk if (tickers == s).any() and frame.loc[:, tickers == s].notna().any().any()]


class _Collect(logging.Handler):
    """Keeps the messages of the records it sees (yfinance logs a failed download instead of raising)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _chunk_name(chunk: Sequence[str]) -> str:
    return f"Yahoo prices of {', '.join(chunk[:3])}{f' and {len(chunk) - 3} more' if len(chunk) > 3 else ''}"


def _download_chunk(
    download: Callable[..., Any],
    chunk: list[str],
    *,
    start: dt.date,
    end: dt.date | None,
    max_attempts: int,
    base_delay: float,
    sleep: Callable[[float], None],
) -> pd.DataFrame | None:
    """One batched download under ingestion.downloads.with_retries; None when upstream sent nothing for
    the whole chunk.

    Retried (a ``retry k/n in ~N s`` line each) on rate limits, connection trouble and empty answers;
    a failure waiting does not mend (ingestion.downloads.not_transient: a host that does not resolve,
    a refused certificate), raised or only logged by yfinance, is an UpstreamUnreachableError at once."""
    what = _chunk_name(chunk)
    collect = _Collect()  # what yfinance logged during the last attempt
    yf_log = logging.getLogger("yfinance")

    def attempt() -> pd.DataFrame | None:
        collect.messages.clear()
        yf_log.addHandler(collect)
        try:
            frame = download(
                tickers=chunk,
                start=start.isoformat(),
                end=end.isoformat() if end is not None else None,
                auto_adjust=False,
                actions=False,
                group_by="column",
                multi_level_index=True,
                progress=False,
                threads=True,
            )
        finally:
            yf_log.removeHandler(collect)
        if frame is not None and not frame.empty:
            frame = _as_two_level(frame, chunk)
            if _delivered(frame, chunk):
                return frame
        logged = " | ".join(collect.messages)
        if logged and not_transient(logged):
            raise unreachable_at_once("Yahoo Finance", what, logged)
        return None

    def empty(frame: pd.DataFrame | None) -> str:
        if frame is not None:
            return ""
        logged = " ".join(" | ".join(collect.messages).split())
        return "came back empty" + (f" ({logged[:200]})" if logged else "")

    frame, _ = with_retries(
        attempt,
        what=what,
        upstream="Yahoo Finance",
        max_attempts=max_attempts,
        base_delay=base_delay,
        sleep=sleep,
        retry_result=empty,
        give_up=lambda last: UpstreamUnavailableError(
            upstream_unreachable(
                f"Yahoo Finance unreachable after {max_attempts} attempts (last error: {last})"
            )
        ),
    )
    return frame


def fetch_live(
    symbols: Sequence[str],
    landing_root: Path,
    *,
    start: dt.date,
    end: dt.date | None = None,
    download: Callable[..., Any] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: float = BASE_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] | None = None,
    chunk_size: int = 100,
    progress: Progress | None = None,
) -> LandingBatch:
    """Download daily bars from Yahoo Finance (yfinance) in batched requests and land each response.

    ``end`` is passed to yfinance as is (exclusive). Each chunk's frame is landed as upstream sent it
    (``to_csv()``: the multi-header dialect). Symbols without any value are reported in ``missing``.
    ``progress`` receives throttled lines (``prices: 300/3000 symbols downloaded (chunk 3/30, ...)``).
    """
    if max_attempts < 1 or chunk_size < 1:
        raise ValueError(f"max_attempts and chunk_size must be >= 1, got {max_attempts}, {chunk_size}")
    wanted = list(dict.fromkeys(symbols))
    if not wanted:
        raise ValueError("fetch_live: no symbols requested")
    if download is None:
        import yfinance

        download = yfinance.download
    clock = now or (lambda: dt.datetime.now(dt.UTC))

    files: list[LandedFile] = []
    missing: list[str] = []
    chunks = math.ceil(len(wanted) / chunk_size)
    counter = Counter("prices", len(wanted), "symbols", "downloaded", progress)
    for i, offset in enumerate(range(0, len(wanted), chunk_size)):
        chunk = wanted[offset : offset + chunk_size]
        frame = _download_chunk(
            download,
            chunk,
            start=start,
            end=end,
            max_attempts=max_attempts,
            base_delay=base_delay,
            sleep=sleep,
        )
        if frame is None:
            missing.extend(chunk)
            counter.advance(f"chunk {i + 1}/{chunks}", count=len(chunk), detail=f"0/{len(chunk)} with data")
            continue
        captured_at = clock()
        if captured_at.utcoffset() is None:
            raise ValueError(f"now() must return a timezone-aware datetime, got {captured_at!r}")
        captured_at = captured_at.astimezone(dt.UTC)
        name = f"download_{captured_at:%Y%m%dT%H%M%SZ}_{i:03d}.csv"
        path = land_bytes(frame.to_csv().encode("utf-8"), landing_root, "yahoo", "live", name)
        came = _delivered(frame, chunk)
        missing.extend(s for s in chunk if s not in came)
        in_file = tuple(dict.fromkeys(frame.columns.get_level_values(1)))
        files.append(LandedFile(path=path, symbols=in_file, captured_at=captured_at))
        log.info("yahoo live: chunk %d: %d/%d symbols, landed %s", i, len(came), len(chunk), path)
        closes = frame.loc[:, frame.columns.get_level_values(0) == "Close"]
        rows = int(closes.notna().to_numpy().sum())  # (symbol, date) bars with a close
        counter.advance(
            f"chunk {i + 1}/{chunks}",
            count=len(chunk),
            rows=rows,
            detail=f"{len(came)}/{len(chunk)} with data",
        )

    if not files:
        raise UpstreamUnavailableError(
            upstream_unreachable(
                f"Yahoo Finance unreachable or sent no data for any of {len(wanted)} symbols after "
                f"{max_attempts} attempts per request"
            )
        )
    notes = []
    if missing:
        notes.append(f"missing from Yahoo Finance (no values in the download): {', '.join(missing)}")
        log.warning("yahoo live: %s", notes[-1])
    return LandingBatch(
        system="yahoo",
        mode="live",
        requested=tuple(wanted),
        files=files,
        missing=missing,
        notes=notes,
    )
