"""What a client other than this project's DuckDB 2.0 sees of serving.duckdb, worked out for the tests
without the project's code: the storage version in the file's header, a write attempt by a process
that is subject to the file's mode (not root's override), and a DuckDB 1.x client installed from
PyPI into a throwaway virtual environment.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

# DuckDB's file header: an 8-byte checksum, the magic bytes "DUCK", then the storage version number
# as a little-endian uint64. DuckDB 1.x clients read storage versions 64 to 68 (1.5.6 says "we can
# only read versions between 64 and 68").
MAGIC = b"DUCK"
READABLE_BY_1X = range(64, 69)

# The newest DuckDB 1.x on PyPI when this was written (pip index versions duckdb), and the oldest
# release the serving file's format (v1.0.0) names.
LATEST_1X = "1.5.6"
OLDEST_1X = "1.0.0"
# What Superset 6.1.0 installs for DuckDB (its wheel's metadata: sqlalchemy<2,>=1.4; extra duckdb:
# duckdb<2,>=1.4.2, duckdb-engine>=0.17.0), at the newest versions those pins allow.
SUPERSET_SQLALCHEMY_STACK = (f"duckdb=={LATEST_1X}", "duckdb-engine==0.17.0", "sqlalchemy==1.4.54")


def header_storage_version(path: Path) -> int:
    with open(path, "rb") as f:
        head = f.read(20)
    assert head[8:12] == MAGIC, f"{path} is not a DuckDB file (header {head!r})"
    return int.from_bytes(head[12:20], "little")


def as_unprivileged(argv: list[str]) -> list[str] | None:
    """``argv`` run so that file modes apply to it: as is for an ordinary user; for root (which
    writes any file whatever its mode) under setpriv without the capabilities that override file
    permissions. None when running as root without setpriv."""
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *argv]


def write_attempt(path: Path) -> subprocess.CompletedProcess | None:
    """Open ``path`` read-write (no read_only, as a careless client would) and create a table, in a
    process subject to the file's mode. None when that cannot be arranged (root without setpriv)."""
    code = textwrap.dedent(
        f"""
        import duckdb
        con = duckdb.connect({str(path)!r})
        con.execute("create table marts.written_by_a_client as select 1 as x")
        con.close()
        print("WROTE")
        """
    )
    argv = as_unprivileged([sys.executable, "-c", code])
    if argv is None:
        return None
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


class ClientUnavailable(Exception):
    """pip could not install the requested DuckDB (no registry, no wheel): the reason, for a skip."""


def client_python(cache_dir: Path, *requirements: str) -> Path:
    """The python of a virtual environment with exactly ``requirements`` installed (e.g.
    ``duckdb==1.5.6``), created once under ``cache_dir`` and reused by later sessions; a lock keeps
    two test workers from building it at once. Raises ClientUnavailable with pip's words when they
    cannot be installed."""
    name = "-".join(r.replace("==", "-").replace("<", "lt") for r in requirements)
    venv = cache_dir / name
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120
        )
        pip = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--only-binary=duckdb",
                *requirements,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if pip.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            words = " ".join((pip.stderr or pip.stdout).split())[-400:]
            raise ClientUnavailable(f"pip could not install {' '.join(requirements)}: {words}")
        ready.touch()
    return python


def run_client(python: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(python), "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
