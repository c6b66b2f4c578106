"""ROTATION_* settings: defaults, absolute paths, and one-line errors saying what to set."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ingestion.settings import REPO_ROOT, Settings, SettingsError


def test_defaults_are_sample_in_the_repositorys_warehouse_folder():
    s = Settings.from_env({})
    assert s.source == "sample" and s.synthetic
    assert s.home == REPO_ROOT / "warehouse"
    assert s.build_db == REPO_ROOT / "warehouse" / "rotation.duckdb"
    assert s.serving_db == REPO_ROOT / "warehouse" / "serving.duckdb"
    assert s.start_date == dt.date(2000, 1, 3)


def test_relative_home_is_resolved_to_an_absolute_path_for_dbt(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({"ROTATION_HOME": "somewhere"})
    assert s.home == tmp_path / "somewhere"
    assert s.dbt_env() == {
        "ROTATION_BUILD_DB": str(tmp_path / "somewhere" / "rotation.duckdb"),
        "ROTATION_SPARK_DIR": str(tmp_path / "somewhere" / "spark"),
        "ROTATION_LAKE_DIR": str(tmp_path / "somewhere" / "lake"),
    }


def test_the_engine_is_duckdb_unless_set_to_spark(tmp_path):
    default = Settings.from_env({"ROTATION_HOME": str(tmp_path)})
    assert (default.engine, default.dbt_target) == ("duckdb", "build")
    assert default.dbt_state_dir == tmp_path / "dbt_state"
    spark = Settings.from_env({"ROTATION_HOME": str(tmp_path), "ROTATION_ENGINE": " Spark "})
    assert (spark.engine, spark.dbt_target) == ("spark", "spark")
    # Spark's parse state apart from DuckDB's: each records its own profile target
    assert spark.dbt_state_dir == tmp_path / "dbt_state" / "spark"
    assert spark.spark_warehouse_dir == tmp_path / "spark" / "warehouse"
    assert Settings.from_env({"ROTATION_ENGINE": ""}).engine == "duckdb"


def test_snapshot_and_live_default_to_1980(tmp_path):
    assert Settings.from_env(
        {"ROTATION_SOURCE": "snapshot", "ROTATION_SNAPSHOT_DIR": str(tmp_path)}
    ).start_date == dt.date(1980, 1, 1)
    assert Settings.from_env({"ROTATION_SOURCE": "LIVE"}).start_date == dt.date(1980, 1, 1)


@pytest.mark.parametrize(
    "env, words",
    [
        ({"ROTATION_SOURCE": "yahoo"}, ["ROTATION_SOURCE='yahoo'", "sample, snapshot, live"]),
        ({"ROTATION_START_DATE": "01/02/2000"}, ["ROTATION_START_DATE='01/02/2000'", "YYYY-MM-DD"]),
        (
            {"ROTATION_ENGINE": "databricks"},
            ["ROTATION_ENGINE='databricks'", "duckdb, spark", "docs/spark.md"],
        ),
        (
            {"ROTATION_SOURCE": "snapshot", "ROTATION_SNAPSHOT_DIR": "/nonexistent/snap"},
            ["ROTATION_SNAPSHOT_DIR=/nonexistent/snap does not exist", "../shared/data/snapshot"],
        ),
    ],
)
def test_bad_settings_say_what_came_and_what_to_set(env, words):
    with pytest.raises(SettingsError) as e:
        Settings.from_env(env)
    for word in words:
        assert word in str(e.value)


def test_only_the_settings_module_reads_rotation_environment_variables():
    """One settings module: a ROTATION_* variable read anywhere else (os.environ / os.getenv) is
    a setting the docs' table and the error messages do not know about."""
    reads = re.compile(r"(environ|getenv)\b[^\n]*[\"']ROTATION_")
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for folder in ("ingestion", "orchestration", "warehouse", "expectations")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if path.name != "settings.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if reads.search(line)
    ]
    assert not offenders, "ROTATION_* read outside ingestion/settings.py:\n" + "\n".join(offenders)
