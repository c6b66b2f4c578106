"""One whole-graph build on the real snapshot, shared by the acceptance tests."""

from __future__ import annotations

import pytest

from tests.integration.conftest import make_settings, run_graph


@pytest.fixture(scope="session")
def snapshot_warehouse(tmp_path_factory, snapshot_dir):
    settings = make_settings(tmp_path_factory.mktemp("snapshot_home"), "snapshot", snapshot_dir)
    run = run_graph(settings)
    assert run.success, run.failures
    return settings, run
