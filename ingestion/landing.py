"""Landing files: immutable, content-addressed copies of what upstream sent.

Layout: ``<landing_root>/<system>/<mode>/<sha256[:16]>/<name>``. The same bytes always land at the same
path, so re-landing identical content is a no-op and a changed upstream file lands beside the old one
instead of overwriting it. Files are written to a temporary name and renamed, so a crash never leaves
a half-written landing file under its final name.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingestion.errors import (
    SnapshotLayoutError,
    cause_and_fix,
    require_snapshot_folder,
    snapshot_folder_empty,
    storage_error,
)
from ingestion.progress import LABELS, Counter, Progress

log = logging.getLogger(__name__)


class UpstreamFileError(ValueError):
    """An upstream file that cannot be read: names the file, the line where known and the problem.
    Each source has its own subclass (PriceFileError, SeriesFileError, CftcFileError)."""

    def __init__(self, path: Path, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path.name} line {line}" if line is not None else self.path.name
        super().__init__(f"{where}: {problem} (file {self.path})")


class UpstreamUnavailableError(RuntimeError):
    """An upstream service could not be reached, or answered only with errors, after all retries.
    ``transient``: whether trying again later may help (the step's live retry policy tries again)."""

    transient = True


class UpstreamUnreachableError(UpstreamUnavailableError):
    """An upstream that cannot be reached for a reason waiting does not mend (its host name does not
    resolve, its TLS certificate is refused, a local proxy refuses the connection): raised at the
    first attempt, never retried (ingestion.downloads.not_transient)."""

    transient = False


@dataclass(frozen=True)
class LandedFile:
    """One landing file and the symbols it is expected to hold."""

    path: Path
    symbols: tuple[str, ...]  # symbols requested in this file (one for per-symbol files)
    # When the data was captured from upstream (tz-aware), where known: a bar dated on the capture
    # day and captured before that day's close is an incomplete intraday bar.
    captured_at: dt.datetime | None = None


@dataclass
class LandingBatch:
    """What one fetch put into landing: the request and its files."""

    system: str  # "yahoo"
    mode: str  # "sample" | "snapshot" | "live"
    requested: tuple[str, ...]  # every symbol this fetch asked for
    files: list[LandedFile] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # requested symbols upstream did not deliver
    notes: list[str] = field(default_factory=list)  # human-readable remarks (skipped files, ...)
    synthetic: bool = False  # True for generated sample data
    # The dates the batch stands for, [first, end), when the source decides them rather than the
    # run's partition: estimate snapshots cover their capture dates only (append-only history).
    covers: tuple[dt.date, dt.date] | None = None


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def land_bytes(content: bytes, landing_root: Path, system: str, mode: str, name: str) -> Path:
    """Write ``content`` into landing under its content hash; return the final path."""
    for part, value in (("system", system), ("mode", mode), ("name", name)):
        if any(c in value for c in "/\\\0") or value in ("", ".", ".."):
            raise ValueError(f"landing {part} must be a plain file name, got {value!r}")
    target_dir = Path(landing_root) / system / mode / sha256_bytes(content)[:16]
    target = target_dir / name
    if target.exists():
        return target
    tmp = None
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, target)
    except BaseException as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError) and (refused := storage_error(e, target)) is not None:
            raise refused from e  # read-only, unwritable or full: one line, cause and fix
        raise
    return target


def land_copy(src: Path, landing_root: Path, system: str, mode: str) -> Path:
    """Copy an upstream file into landing byte for byte (its name kept)."""
    return land_bytes(Path(src).read_bytes(), landing_root, system, mode, Path(src).name)


def relative_to_home(path: Path, home: Path) -> str:
    """The path as stored in provenance columns: relative to ROTATION_HOME when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path(home).resolve()))
    except ValueError:
        return str(path)


__all__ = [
    "LandedFile",
    "LandingBatch",
    "SnapshotLinkError",
    "land_bytes",
    "land_copy",
    "relative_to_home",
    "require_inside_snapshot",
    "unknown_files_note",
]


# --------------------------------------------------------------------------------------------------
# What a snapshot folder holds: files inside the snapshot only, unknown files noted
# --------------------------------------------------------------------------------------------------


class SnapshotLinkError(SnapshotLayoutError):
    """A snapshot file that resolves outside the snapshot directory (a symbolic link, or a file in a
    linked folder, pointing elsewhere): names the file and where it points, never its content."""


def require_inside_snapshot(paths: Sequence[Path], snapshot_dir: Path) -> list[Path]:
    """``paths`` when each resolves inside ``snapshot_dir``, else SnapshotLinkError for the first that
    does not. Rule: a snapshot is the files under its directory; a link that stays inside it (e.g.
    ``yahoo/RUT.csv -> ^RUT.csv``) is followed, one that leads out of it (``yahoo/IWM.csv ->
    /etc/passwd``) is refused before anything is read, so no file of the host reaches landing, an
    error or the log. Called by every snapshot landing (yahoo, fred, cftc, french, estimates) and
    for captured_at.csv, on the files it is about to read."""
    root = Path(snapshot_dir).resolve()
    for path in paths:
        target = Path(path).resolve()
        if not target.is_relative_to(root):
            try:
                name = Path(path).relative_to(snapshot_dir).as_posix()
            except ValueError:
                name = str(path)
            raise SnapshotLinkError(
                cause_and_fix(
                    f"snapshot file {name} in ROTATION_SNAPSHOT_DIR={snapshot_dir} points to {target}, "
                    f"outside the snapshot directory {root} (a symbolic link); it was not read",
                    "put the file itself into the snapshot (copy it in place of the link) or remove the "
                    "link; links are followed only when they stay inside the snapshot directory",
                )
            )
    return list(paths)


def unknown_files_note(folder: Path, known: Sequence[Path], expected: str) -> str | None:
    """One note naming the entries of ``folder`` a landing does not read (names only; hidden files
    such as .DS_Store are left out), or None when there are none: a file under a name the source
    does not know is never loaded silently."""
    if not Path(folder).is_dir():
        return None
    read = {Path(p).name for p in known}
    other = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in Path(folder).iterdir()
        if p.name not in read and not p.name.startswith(".")
    )
    if not other:
        return None
    return f"skipped {', '.join(other)} in {folder}: not {expected}, so not read"


# --------------------------------------------------------------------------------------------------
# Capture times of a snapshot
# --------------------------------------------------------------------------------------------------

CAPTURE_TIMES_FILE = "captured_at.csv"
CAPTURE_TIMES_HEADER = ["file", "captured_at"]
CAPTURE_TIMES_FORMAT = (
    "a header 'file,captured_at', then one row per file: its path relative to the snapshot folder "
    "with '/' (yahoo/^RUT.csv) and when it was captured from upstream, ISO 8601 with a UTC offset "
    "(2026-02-23T16:34:14-05:00, 2026-02-23T21:34:14Z)"
)


class CaptureTimesError(UpstreamFileError):
    """A snapshot's captured_at.csv that cannot be read: names the file, the line and the problem."""


@dataclass(frozen=True)
class CaptureTimes:
    """A snapshot's ``captured_at.csv``: when each file was captured from upstream."""

    path: Path
    times: dict[str, dt.datetime]  # path relative to the snapshot folder ("yahoo/^RUT.csv") -> tz-aware
    lines: dict[str, int]  # the same key -> its line in the file

    def missing_files(self, snapshot_dir: Path) -> list[str]:
        """Entries naming a file the snapshot folder does not have ("yahoo/X.csv line 7")."""
        return [f"{k} (line {self.lines[k]})" for k in self.times if not (Path(snapshot_dir) / k).is_file()]


def _capture_time(path: Path, value: str, line: int) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CaptureTimesError(
            path,
            f"captured_at: expected ISO 8601 with a UTC offset, e.g. 2026-02-23T16:34:14-05:00, got {value!r}",
            line,
        ) from None
    if when.utcoffset() is None:
        raise CaptureTimesError(
            path,
            f"captured_at {value!r} has no UTC offset; expected e.g. {value}+00:00 or {value}-05:00 "
            "(a time without offset names no instant)",
            line,
        )
    return when


def read_capture_times(snapshot_dir: Path) -> CaptureTimes | None:
    """``<snapshot_dir>/captured_at.csv`` (format: ``CAPTURE_TIMES_FORMAT``), or None when the
    snapshot has none. A malformed file (header, field count, a path leaving the folder, a time that
    is not ISO 8601 or has no UTC offset, a file listed twice) is a CaptureTimesError naming the line:
    a wrong capture time would silently decide which bars are closes. An entry for a file the
    snapshot does not have is only reported (``CaptureTimes.missing_files``)."""
    path = Path(snapshot_dir) / CAPTURE_TIMES_FILE
    if not path.is_file():
        return None
    require_inside_snapshot([path], snapshot_dir)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CaptureTimesError(path, f"not UTF-8 text ({e}); expected {CAPTURE_TIMES_FORMAT}") from e
    reader = csv.reader(io.StringIO(text, newline=""))
    times: dict[str, dt.datetime] = {}
    lines: dict[str, int] = {}
    header_seen = False
    start = 1
    for fields in reader:
        line, start = start, reader.line_num + 1
        fields = [f.strip() for f in fields]
        if not any(fields):
            continue
        if not header_seen:
            if fields != CAPTURE_TIMES_HEADER:
                raise CaptureTimesError(
                    path, f"expected {CAPTURE_TIMES_FORMAT}; got header {','.join(fields)!r}", line
                )
            header_seen = True
            continue
        if len(fields) != 2:
            raise CaptureTimesError(
                path, f"expected 2 fields (file,captured_at), got {len(fields)}: {','.join(fields)!r}", line
            )
        name, value = fields
        parts = name.split("/")
        if not name or "\\" in name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise CaptureTimesError(
                path,
                f"file {name!r}: expected a path relative to the snapshot folder with '/', e.g. "
                "yahoo/^RUT.csv (no '..', no leading '/', no '\\')",
                line,
            )
        if name in times:
            raise CaptureTimesError(
                path, f"file {name} is listed twice (lines {lines[name]} and {line})", line
            )
        times[name] = _capture_time(path, value, line)
        lines[name] = line
    if not header_seen:
        raise CaptureTimesError(path, f"empty file; expected {CAPTURE_TIMES_FORMAT}", 1)
    return CaptureTimes(path=path, times=times, lines=lines)


def land_snapshot_folder(
    snapshot_dir: Path,
    *,
    system: str,
    wanted: Sequence[str],
    landing_root: Path,
    item: str,
    example: str,
    unwanted_hint: str,
    progress: Progress | None = None,
) -> LandingBatch:
    """Copy ``<snapshot_dir>/<system>/<ITEM>.csv`` of every wanted item into landing, byte for byte.

    File names match items ignoring case, the extension too (``iwm.csv`` and ``IWM.CSV`` are IWM's
    file, landed and parsed as IWM, with a note); two files of one item (``IWM.csv`` and
    ``iwm.csv``) are a SnapshotLayoutError naming both. Files of items not wanted are skipped with a
    note (``unwanted_hint`` says why); wanted items without a file get one note and are not
    requested. A missing folder or one without any CSV file is a SnapshotLayoutError naming the
    setting and the expected layout. ``progress`` receives throttled lines (``prices: 12/29 symbols
    landed (AAPL.csv)``).
    """
    snapshot_dir = Path(snapshot_dir)
    expected = f"{system}/<{item.upper()}>.csv files, e.g. {system}/{example}"
    folder = require_snapshot_folder(snapshot_dir, system, expected)
    wanted = list(dict.fromkeys(wanted))
    canonical = {w.upper(): w for w in wanted}
    sources: dict[str, Path] = {}
    renamed: list[str] = []
    for path in sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith(".")
    ):
        name = canonical.get(path.stem.upper(), path.stem)
        if name in sources:
            raise SnapshotLayoutError(
                cause_and_fix(
                    f"{sources[name].name} and {path.name} in {folder} are both the file of {item} {name} "
                    "(file names match ignoring case)",
                    f"keep one of them ({name}.csv)",
                )
            )
        sources[name] = path
        if path.name != f"{name}.csv":
            renamed.append(f"read {path.name} as {name}.csv ({item} {name}: file names match ignoring case)")
    if not sources:
        raise SnapshotLayoutError(snapshot_folder_empty(folder, ".csv", expected))
    notes = [*renamed]
    notes += [
        f"skipped {src.name}: {item} {stem} {unwanted_hint}"
        for stem, src in sources.items()
        if stem not in wanted
    ]
    unknown = unknown_files_note(folder, list(sources.values()), expected)
    if unknown:
        notes.insert(0, unknown)
    absent = [s for s in wanted if s not in sources]
    if absent:
        notes.append(
            f"not in snapshot: {', '.join(absent)} (no {system}/<{item.upper()}>.csv in {snapshot_dir})"
        )
    requested = [s for s in wanted if s in sources]
    require_inside_snapshot([sources[s] for s in requested], snapshot_dir)
    unit = item if item.endswith("s") else f"{item}s"
    counter = Counter(LABELS.get(system, system), len(requested), unit, "landed", progress)
    files = []
    for s in requested:
        files.append(LandedFile(path=land_copy(sources[s], landing_root, system, "snapshot"), symbols=(s,)))
        counter.advance(sources[s].name)
    for note in notes:
        log.info("%s snapshot: %s", system, note)
    log.info("%s snapshot: landed %d files from %s", system, len(files), folder)
    return LandingBatch(system=system, mode="snapshot", requested=tuple(requested), files=files, notes=notes)


def combine_parsed(
    frames: list[pd.DataFrame], item: str, empty: pd.DataFrame, error: Callable[[Path, str], Exception]
) -> pd.DataFrame:
    """One frame from a batch's parsed files, sorted by item and date; the same (item, date) from two
    files is an error naming both (``error(path, problem)``)."""
    if not frames:
        return empty.assign(landing_file=pd.Series([], dtype="str"))
    out = pd.concat(frames, ignore_index=True)
    duplicated = out.duplicated([item, "date"], keep=False)
    if duplicated.any():
        first = out[duplicated].iloc[0]
        same = out[duplicated & (out[item] == first[item]) & (out["date"] == first["date"])]
        files = list(dict.fromkeys(same["landing_file"]))
        raise error(
            Path(files[-1]),
            f"{first[item]} {first['date']:%Y-%m-%d} also comes from {files[0]}; expected each "
            f"({item}, date) from one file of the batch, got it from {' and '.join(files)}",
        )
    return out.sort_values([item, "date"], kind="stable").reset_index(drop=True)
