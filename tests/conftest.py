"""Shared fixtures: the real snapshot (skipped when absent) and temporary ROTATION_HOMEs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOT = REPO_ROOT.parent / "shared" / "data" / "snapshot"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def snapshot_path() -> Path:
    return Path(os.environ.get("ROTATION_SNAPSHOT_DIR", DEFAULT_SNAPSHOT)).resolve()


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """The real data snapshot; tests that need it skip with the reason when it is absent."""
    path = snapshot_path()
    if not (path / "yahoo").is_dir():
        pytest.skip(
            f"real snapshot not found at {path} (set ROTATION_SNAPSHOT_DIR to a directory laid out "
            "like ../shared/data/snapshot)"
        )
    return path


def pytest_collection_modifyitems(config, items):
    """Test files in the order `make test`'s workers take them (``--dist loadfile
    --no-loadscope-reorder``: each file whole on one worker, handed out in this order): files with a
    test marked ``spark`` first, then the others by number of tests, most first (pytest-xdist's own
    order). A Spark file takes minutes (a JVM, a build on Spark); handed out last, as xdist's order by
    number of tests did, one worker ran it alone at the end while the other had finished."""
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)
    spark = {name for name, tests in files.items() if any(t.get_closest_marker("spark") for t in tests)}
    order = sorted(files, key=lambda name: (name not in spark, -len(files[name])))
    items[:] = [item for name in order for item in files[name]]
