"""`dbt parse` succeeds for both targets of dbt_project/profiles.yml (issue 19): `build` (DuckDB) and
`spark` (dbt-spark, method: session). Parsing opens no connection, so the spark target parses
without Java or a Spark session; each writes its manifest to a temporary target path (the shared
dbt_project/target, Dagster's manifest, is untouched)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.settings import DBT_PROJECT_DIR


@pytest.mark.parametrize(("target", "adapter"), [("build", "duckdb"), ("spark", "spark")])
def test_dbt_parses_for_the_target(target, adapter, tmp_path):
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_NO_PARTIAL_PARSE": "true",
        # a JAVA_HOME without Java: pyspark would fail to start a session, parsing must not need one
        "JAVA_HOME": str(tmp_path / "no-java"),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "parse",
            "--target",
            target,
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"dbt parse --target {target}: {result.stdout[-3000:]}{result.stderr[-2000:]}"
    )
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == adapter
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) >= 24, f"expected every model parsed for {target}, got {len(models)}"


def test_the_spark_target_writes_no_console_progress_bar():
    """Spark's console progress bar goes to the dbt process's stderr, which dagster-dbt merges into
    the stdout it parses as JSON events: an event line the bar lands on no longer parses, and that
    model's or test's result never reaches Dagster (a whole-sample Spark run lost four events so)."""
    import yaml

    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    (profile,) = profiles.values()
    parameters = profile["outputs"]["spark"]["server_side_parameters"]
    assert parameters.get("spark.ui.showConsoleProgress") == "false", parameters
