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
