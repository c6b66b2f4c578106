"""Errors a person can act on: one line, the cause, then ``— fix:`` and what to do.

Shared by the ingestion modules, the settings and the ``rotation`` command, so the same problem reads
the same wherever it surfaces: the terminal (``error: <cause> — fix: <what to do>``), a Dagster step
failure, the UI. Plain text only: no imports beyond the standard library.
"""

from __future__ import annotations

import errno
from pathlib import Path

FIX = " — fix: "

# Upstream systems as a person knows them (keys: the ``system`` of landing batches and raw tables).
UPSTREAMS = {
    "yahoo": "Yahoo Finance",
    "fred": "FRED",
    "cftc": "the CFTC",
    "french": "the Kenneth French data library",
}

OFFLINE_FIX = (
    "check the network and retry later, or work offline with ROTATION_SOURCE=sample (generated data) "
    "or ROTATION_SOURCE=snapshot (files in ROTATION_SNAPSHOT_DIR)"
)
SNAPSHOT_LAYOUT = (
    "../shared/data/snapshot (yahoo/<SYMBOL>.csv, fred/<ID>.csv, cftc/FinFutYY.txt, french/*.CSV)"
)
SNAPSHOT_FIX = (
    f"set ROTATION_SNAPSHOT_DIR to a directory laid out like {SNAPSHOT_LAYOUT}, "
    "or unset ROTATION_SOURCE to build on the generated sample"
)


def cause_and_fix(cause: str, fix: str) -> str:
    """``<cause> — fix: <fix>`` on one line (newlines in either part become spaces)."""
    return f"{' '.join(cause.split())}{FIX}{' '.join(fix.split())}"


class SnapshotLayoutError(FileNotFoundError):
    """ROTATION_SNAPSHOT_DIR does not exist, or lacks a source's folder or files: says which path and
    what to set. Not worth a retry."""


def snapshot_dir_missing(snapshot_dir: Path) -> str:
    return cause_and_fix(
        f"ROTATION_SOURCE=snapshot but ROTATION_SNAPSHOT_DIR={snapshot_dir} does not exist", SNAPSHOT_FIX
    )


def snapshot_folder_missing(snapshot_dir: Path, folder: str, expected: str) -> str:
    return cause_and_fix(
        f"ROTATION_SNAPSHOT_DIR={snapshot_dir} has no {folder}/ folder (expected {expected})", SNAPSHOT_FIX
    )


def snapshot_folder_empty(folder: Path, pattern: str, expected: str) -> str:
    return cause_and_fix(f"{folder} holds no {pattern} files (expected {expected})", SNAPSHOT_FIX)


PRICES_EXPECTED = "yahoo/<SYMBOL>.csv files, e.g. yahoo/^RUT.csv"


def require_snapshot_folder(
    snapshot_dir: Path, folder: str = "yahoo", expected: str = PRICES_EXPECTED
) -> Path:
    """``<snapshot_dir>/<folder>``, or SnapshotLayoutError when the directory or the folder is missing.
    The ``rotation`` command checks ``yahoo/`` before a snapshot build; each snapshot landing checks
    its own folder with the same words."""
    snapshot_dir = Path(snapshot_dir)
    if not snapshot_dir.is_dir():
        raise SnapshotLayoutError(snapshot_dir_missing(snapshot_dir))
    if not (snapshot_dir / folder).is_dir():
        raise SnapshotLayoutError(snapshot_folder_missing(snapshot_dir, folder, expected))
    return snapshot_dir / folder


def upstream_unreachable(cause: str) -> str:
    """``<cause> — fix: check the network and retry later, or work offline with ...``."""
    return cause_and_fix(cause, OFFLINE_FIX)


def network_error_message(system: str, error: BaseException) -> str:
    """The one line for a connection error that escaped a live fetcher of ``system`` unretried."""
    upstream = UPSTREAMS.get(system, system)
    return upstream_unreachable(
        f"{upstream[0].upper()}{upstream[1:]} could not be reached ({type(error).__name__}: {error})"
    )


# --------------------------------------------------------------------------------------------------
# Writing the warehouse: a read-only, unwritable or full ROTATION_HOME
# --------------------------------------------------------------------------------------------------

HOME_FIX = "or point ROTATION_HOME at a writable directory with room, then run again"

# errno -> (what it means, what to do); the same words where DuckDB reports it in its own text.
STORAGE_PROBLEMS = {
    errno.EROFS: ("is on a read-only file system", f"remount it read-write {HOME_FIX}"),
    errno.EACCES: ("cannot be written by this user (permission denied)", f"give this user write access {HOME_FIX}"),
    errno.EPERM: ("cannot be written by this user (operation not permitted)", f"give this user write access {HOME_FIX}"),
    errno.ENOSPC: ("is on a full disk (no space left on the device)", f"free space on that disk {HOME_FIX}; serving.duckdb keeps its last good publish"),
    errno.EDQUOT: ("is over this user's disk quota", f"free space or raise the quota {HOME_FIX}; serving.duckdb keeps its last good publish"),
}  # fmt: skip
_STORAGE_WORDS = {
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
    "operation not permitted": errno.EPERM,
    "no space left on device": errno.ENOSPC,
    "disk quota exceeded": errno.EDQUOT,
}


class StorageError(OSError):
    """The warehouse could not write where ROTATION_HOME points (read-only, not writable, full): one
    line naming the path, the cause and the fix. Not worth a retry."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def storage_error(error: BaseException, path: Path | str) -> StorageError | None:
    """The one-line StorageError for an OSError (by errno) or a DuckDB error (by its words) that says
    the disk refused a write at ``path``; None for any other error."""
    code = getattr(error, "errno", None) if isinstance(error, OSError) else None
    if code not in STORAGE_PROBLEMS:
        text = str(error).lower()
        code = next((c for words, c in _STORAGE_WORDS.items() if words in text), None)
    if code is None:
        return None
    problem, fix = STORAGE_PROBLEMS[code]
    where = getattr(error, "filename", None) or path
    return StorageError(
        code,
        cause_and_fix(f"the warehouse could not write {where}: it {problem}", fix),
    )
