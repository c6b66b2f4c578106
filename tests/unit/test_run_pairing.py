"""The Dagster instance is paired with the warehouse it describes: by default it lives beside it, and
every run says which warehouse it built and from what."""

from __future__ import annotations

import os

from ingestion.settings import Settings
from orchestration.cli import ensure_dagster_home
from orchestration.definitions import build_definitions


def test_the_instance_defaults_to_the_warehouses_own(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    settings = Settings.from_env({"ROTATION_HOME": str(tmp_path / "wh")})
    home = ensure_dagster_home(settings)
    assert home == tmp_path / "wh" / "dagster" == settings.dagster_home
    assert os.environ["DAGSTER_HOME"] == str(home)
    assert (home / "dagster.yaml").exists()  # the project's instance settings (one run at a time)


def test_an_explicit_dagster_home_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "shared"))
    settings = Settings.from_env({"ROTATION_HOME": str(tmp_path / "wh")})
    assert ensure_dagster_home(settings) == tmp_path / "shared"


def test_every_job_tags_its_runs_with_the_warehouse_and_source(tmp_path):
    for source, home in (("sample", tmp_path / "a"), ("snapshot", tmp_path / "b")):
        settings = Settings.from_env(
            {"ROTATION_SOURCE": source, "ROTATION_HOME": str(home), "ROTATION_SNAPSHOT_DIR": str(tmp_path)}
        )
        defs = build_definitions(settings)
        jobs = [job for job in defs.resolve_all_job_defs() if not job.name.startswith("__")]
        assert len(jobs) == 4
        for job in jobs:
            assert job.run_tags["rotation/home"] == str(home), job.name
            assert job.run_tags["rotation/source"] == source, job.name
