"""A run killed with SIGKILL in the middle of dbt: serving was never broken, the next run succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from tests.integration.conftest import file_digest, run_graph

pytestmark = pytest.mark.slow


def test_a_run_killed_during_dbt_leaves_serving_intact_and_the_next_run_recovers(tmp_path, built_sample_home):
    settings = built_sample_home
    before = file_digest(settings.serving_db)
    env = {
        **os.environ,
        "ROTATION_SOURCE": "sample",
        "ROTATION_HOME": str(settings.home),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill takes dbt down with it
        )
        deadline = time.monotonic() + 300
        # wait until dbt is building models, then kill everything without warning
        while "START sql" not in log.read_text() and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.2)
        assert run.poll() is None, "the run ended before dbt started: nothing to kill"
        time.sleep(1.0)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
    assert run.returncode == -signal.SIGKILL
    assert file_digest(settings.serving_db) == before, "a killed run must not touch serving.duckdb"
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        assert con.execute("select count(*) from marts.relative_performance").fetchone()[0] > 0
    assert not list(settings.home.glob(".serving.duckdb.*.tmp")), "no half-written serving file left"

    after = run_graph(settings)
    assert after.success, after.failures
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        assert con.execute("select count(*) from marts.positioning").fetchone()[0] > 0
