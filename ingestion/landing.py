"""Landing files: immutable, content-addressed copies of what upstream sent.

Layout: ``<landing_root>/<system>/<mode>/<sha256[:16]>/<name>``. The same bytes always land at the same
path, so re-landing identical content is a no-op and a changed upstream file lands beside the old one
instead of overwriting it. Files are written to a temporary name and renamed, so a crash never leaves
a half-written landing file under its final name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


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


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def land_bytes(content: bytes, landing_root: Path, system: str, mode: str, name: str) -> Path:
    """Write ``content`` into landing under its content hash; return the final path."""
    if "/" in name or name in ("", ".", ".."):
        raise ValueError(f"landing file name must be a plain file name, got {name!r}")
    target_dir = Path(landing_root) / system / mode / sha256_bytes(content)[:16]
    target = target_dir / name
    if target.exists():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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


__all__ = ["LandedFile", "LandingBatch", "land_bytes", "land_copy", "relative_to_home"]
