"""Analyst estimate snapshots and share counts from Yahoo Finance: land them, a snapshot copy or a live
yfinance ``Ticker`` capture.

``fetch_live_estimates`` captures today's five estimate tables of every symbol (each request under
``ingestion.downloads.with_retries``) and lands one snapshot file each, in the landing format of
``ingestion.estimates``; the batch also holds every earlier live capture in landing
(``landed_captures``). ``fetch_live_shares`` lands each symbol's share-count history;
``land_snapshot_estimates`` copies the captures a snapshot folder kept. ``ingestion.estimates`` parses
them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ingestion.downloads import BASE_DELAY, MAX_ATTEMPTS, with_retries
from ingestion.errors import upstream_unreachable
from ingestion.estimates import (
    TABLES,
    Split,
    capture_date_of,
    frame_split,
    render_snapshot,
    snapshot_date,
    snapshot_file_name,
    snapshot_symbol,
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


# --- live fetchers ---------------------------------------------------------------------------------


def _with_retries(call: Callable[[], Any], what: str, max_attempts: int, base_delay: float, sleep) -> Any:
    """``call()`` (a yfinance Ticker request) under ingestion.downloads.with_retries; every attempt
    failing is an UpstreamUnavailableError naming ``what``."""
    result, _ = with_retries(
        call,
        what=f"Yahoo {what}",
        upstream="Yahoo Finance",
        max_attempts=max_attempts,
        base_delay=base_delay,
        sleep=sleep,
        give_up=lambda last: UpstreamUnavailableError(
            upstream_unreachable(
                f"Yahoo Finance unreachable for {what} after {max_attempts} attempts (last error: {last})"
            )
        ),
    )
    return result


def fetch_live_estimates(
    symbols: Sequence[str],
    landing_root: Path,
    *,
    optional: Sequence[str] = (),
    ticker: Callable[[str], Any] | None = None,
    now: Callable[[], dt.datetime] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: float = BASE_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress | None = None,
) -> LandingBatch:
    """Capture today's estimate tables of every symbol (``yfinance.Ticker``) and land one snapshot
    file each. A symbol whose tables are all empty is landed too (the file shows what came), listed
    in ``missing`` and reported by the parser; it is still expected (the gate fails) unless it is
    ``optional`` (the ETF proxies: Yahoo has no estimates for ETFs; yfinance also turns a failed
    request into empty tables, so a mega cap without estimates must not pass quietly).

    The batch also holds every earlier live capture kept in landing, and covers them all: raw is
    rebuilt from landing on every capture, so loading another source into the warehouse and coming
    back to live loses no day of a history upstream cannot resend."""
    wanted = list(dict.fromkeys(symbols))
    if not wanted:
        raise ValueError("fetch_live_estimates: no symbols requested")
    if ticker is None:
        import yfinance

        ticker = yfinance.Ticker
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    files: list[LandedFile] = []
    captured: list[dict[str, Split]] = []
    counter = Counter("estimates", len(wanted), "symbols", "captured", progress)
    for symbol in wanted:
        t = ticker(symbol)
        tables = {}
        for name in TABLES:
            frame = _with_retries(
                partial(getattr, t, name), f"{symbol} {name}", max_attempts, base_delay, sleep
            )
            tables[name] = frame_split(frame)
        captured_at = clock().astimezone(dt.UTC)
        content = render_snapshot(symbol, captured_at, tables)
        path = land_bytes(
            content, landing_root, "yahoo_estimates", "live", snapshot_file_name(symbol, captured_at)
        )
        files.append(LandedFile(path=path, symbols=(symbol,), captured_at=captured_at))
        captured.append(tables)
        counter.advance(symbol, detail="" if _has_rows(tables) else "no estimates upstream")
    day = capture_date_of(files[0].captured_at)
    # Requested (and so expected by the gate) are the symbols upstream has estimates for today: the
    # ETF proxies come back empty from Yahoo every day; a mega cap that delivered before and stops
    # is still expected (raw.load adds the previous load's symbols) and fails the gate.
    missing = [f.symbols[0] for f, tables in zip(files, captured, strict=True) if not _has_rows(tables)]
    today = {f.path for f in files}
    earlier = [f for f in landed_captures(landing_root, "live", wanted) if f.path not in today]
    first = min([day, *(snapshot_date(f.path) for f in earlier)])
    return LandingBatch(
        system="yahoo_estimates", mode="live",
        requested=tuple(s for s in wanted if s not in missing or s not in set(optional)),
        files=[*earlier, *files], missing=missing, covers=(first, day + dt.timedelta(days=1)),
    )  # fmt: skip


def landed_captures(landing_root: Path, mode: str, symbols: Sequence[str]) -> list[LandedFile]:
    """The estimate snapshot files of ``symbols`` already in landing for ``mode``, oldest first."""
    wanted = set(symbols)
    paths = (Path(landing_root) / "yahoo_estimates" / mode).glob("*/*.json")
    found = [p for p in paths if snapshot_symbol(p) in wanted]
    return [LandedFile(path=p, symbols=(snapshot_symbol(p),)) for p in sorted(found, key=snapshot_date)]


def _has_rows(tables: dict[str, Split]) -> bool:
    return any(split["data"] for split in tables.values())


def fetch_live_shares(
    symbols: Sequence[str],
    landing_root: Path,
    *,
    start: dt.date,
    ticker: Callable[[str], Any] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: float = BASE_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress | None = None,
) -> LandingBatch:
    """Land each symbol's share-count history from ``start`` (``Ticker.get_shares_full``)."""
    if ticker is None:
        import yfinance

        ticker = yfinance.Ticker
    files, missing = [], []
    counter = Counter("shares", len(symbols), "symbols", "downloaded", progress)
    for symbol in dict.fromkeys(symbols):
        series = _with_retries(
            partial(ticker(symbol).get_shares_full, start=start.isoformat()),
            f"{symbol} shares",
            max_attempts,
            base_delay,
            sleep,
        )
        if series is None or len(series) == 0:
            missing.append(symbol)
            counter.advance(symbol, detail="none upstream")
            continue
        frame = pd.DataFrame({"timestamp": series.index, "shares": series.to_numpy()})
        path = land_bytes(
            frame.to_csv(index=False).encode(), landing_root, "yahoo_shares", "live", f"{symbol}.csv"
        )
        files.append(LandedFile(path=path, symbols=(symbol,)))
        counter.advance(symbol, rows=len(frame))
    # Only symbols with a share history are expected by the gate: without one the concentration
    # marts fall back to the seed's counts, which is worth a warning (missing), not a stopped build.
    return LandingBatch(
        system="yahoo_shares",
        mode="live",
        requested=tuple(f.symbols[0] for f in files),
        files=files,
        missing=missing,
    )


def land_snapshot_estimates(
    snapshot_dir: Path, symbols: Sequence[str], landing_root: Path, progress: Progress | None = None
) -> LandingBatch:
    """Copy ``<snapshot_dir>/estimates/<SYMBOL>_<YYYY-MM-DD>.json`` of the wanted symbols (captures
    kept by an earlier live run). Upstream has no history, so a snapshot without that folder (the
    shared real snapshot has none) lands nothing, with a note: not an error."""
    folder = Path(snapshot_dir) / "estimates"
    wanted = set(symbols)
    if not folder.is_dir():
        return LandingBatch(
            system="yahoo_estimates", mode="snapshot", requested=(),
            notes=[f"no estimates/ folder in {snapshot_dir}: analyst estimates have no upstream history, "
                   "so a snapshot has captures only if a live run kept them (landing/yahoo_estimates/live)"],
        )  # fmt: skip
    files, dates = [], []
    jsons = sorted(p for p in folder.glob("*.json") if p.is_file() and not p.name.startswith("."))
    paths = require_inside_snapshot([p for p in jsons if snapshot_symbol(p) in wanted], snapshot_dir)
    notes = [
        n for n in [unknown_files_note(folder, jsons, "an estimates/<SYMBOL>_<YYYY-MM-DD>.json capture")] if n
    ]
    others = sorted({snapshot_symbol(p) for p in jsons} - wanted)
    if others:
        notes.append(
            f"skipped the captures of {', '.join(others)} in {folder}: not among the estimate symbols "
            "(the universe's mega caps and ETF proxies)"
        )
    for note in notes:
        log.warning("estimates snapshot: %s", note)
    counter = Counter("estimates", len(paths), "files", "landed", progress)
    for p in paths:
        files.append(
            LandedFile(
                path=land_copy(p, landing_root, "yahoo_estimates", "snapshot"),
                symbols=(snapshot_symbol(p),),
            )
        )
        dates.append(snapshot_date(p))
        counter.advance(p.name)
    requested = tuple(sorted({f.symbols[0] for f in files}))
    covers = (min(dates), max(dates) + dt.timedelta(days=1)) if dates else None
    return LandingBatch(
        system="yahoo_estimates",
        mode="snapshot",
        requested=requested,
        files=files,
        notes=notes,
        covers=covers,
    )
